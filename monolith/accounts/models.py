from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A shop customer or staff member; signs in with email."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=120, blank=True, default="")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["username"]
