"""OpenAPI: every operation documents the error shape for the statuses the API can answer with."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

ERROR_STATUSES = {
    "400": "Invalid input, or a failed pre-check (every failing check is listed).",
    "401": "Not authenticated.",
    "403": "Not authenticated, or your role does not allow this.",
    "404": "No such object.",
    "409": "Conflict: an active upgrade exists, or the operation is not possible now.",
    "429": "Too many requests.",
    "503": "OCP could not be reached; nothing was changed.",
}


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code")
    message = serializers.CharField(help_text="What is wrong and what to do")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field (or pre-check) name → messages",
    )
    report = serializers.DictField(required=False, help_text="The full pre-check report, when one ran")


class ApiAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in ERROR_STATUSES.items():
            if code not in responses:
                body = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                body["description"] = description
                responses[code] = body
        return responses
