"""A docs page built from the OpenAPI schema, with no JavaScript and no CDN; and the API's root.

drf-spectacular's Swagger UI / ReDoc views load their assets from a CDN unless
drf-spectacular-sidecar is installed, and the CSP allows scripts from 'self' only; this page lists
every operation with its parameters and request/response schema names instead.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from ocpdash.version import version

METHODS = ("get", "post", "put", "patch", "delete")


def api_docs(request):
    schema = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    operations = []
    for path, item in schema["paths"].items():
        for method in METHODS:
            if op := item.get(method):
                operations.append(_operation(path, method, op))
    context = {"info": schema["info"], "operations": operations}
    return render(request, "api/docs.html", context)


def _operation(path: str, method: str, op: dict) -> dict:
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    return {
        "method": method.upper(),
        "path": path,
        "summary": op.get("description", "").strip(),
        "parameters": [p["name"] for p in op.get("parameters", [])],
        "request": _ref_name(body),
        "responses": sorted(op.get("responses", {})),
    }


def _ref_name(schema: dict) -> str:
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1]


@extend_schema(responses={200: inline_serializer("ApiRoot", {
    "name": serializers.CharField(), "version": serializers.CharField(),
    "schema": serializers.CharField(), "docs": serializers.CharField(),
})})  # fmt: skip
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def api_root(request):
    """ocpdash's version and where the schema and docs are."""
    return Response(
        {
            "name": "ocpdash",
            "version": version(),
            "schema": reverse("api:schema"),
            "docs": reverse("api:docs"),
        }
    )
