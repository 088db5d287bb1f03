from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "monolith.board"
    label = "board"
