"""OCP (OceanBase Cloud Platform) API client: the only module in ocpdash that talks HTTP to OCP."""

from .auth import AkSkAuth, BasicAuth, sign_request, string_to_sign
from .client import OcpClient
from .errors import (
    OcpAuthError,
    OcpError,
    OcpForbidden,
    OcpMalformedReply,
    OcpNotFound,
    OcpRateLimited,
    OcpRefused,
    OcpServerError,
    OcpUnreachable,
    SubError,
)
from .types import (
    Cluster,
    Host,
    Server,
    SoftwarePackage,
    Subtask,
    TaskContext,
    TaskInstance,
    TaskSummary,
    Zone,
)

__all__ = [
    "AkSkAuth",
    "BasicAuth",
    "Cluster",
    "Host",
    "OcpAuthError",
    "OcpClient",
    "OcpError",
    "OcpForbidden",
    "OcpMalformedReply",
    "OcpNotFound",
    "OcpRateLimited",
    "OcpRefused",
    "OcpServerError",
    "OcpUnreachable",
    "Server",
    "SoftwarePackage",
    "SubError",
    "Subtask",
    "TaskContext",
    "TaskInstance",
    "TaskSummary",
    "Zone",
    "sign_request",
    "string_to_sign",
]
