from django.conf import settings
from django.db import models


class Posting(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="postings")
    title = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class Notice(models.Model):
    """Announcements from the shop; read-only through the API."""

    title = models.CharField(max_length=200)
    body = models.TextField()
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-published_at", "-id"]
