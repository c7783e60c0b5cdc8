"""What the rules know about code that serves a model: web request handlers and the
methods of model-server classes. No rules live here.

MLS314 (a model fitted on the inference path) and MLS423 (serving code that reports only
through `print`) must agree on what serving code is. Decorators and base classes are
matched by qualified name, so aliases and `from` imports work.
"""

from __future__ import annotations

import libcst as cst

from mlsmells.engine.context import FileContext

#: Constructors of web applications and routers, whose route decorators make request handlers.
WEB_APPS = frozenset(
    {
        "flask.Flask", "flask.Blueprint", "fastapi.FastAPI", "fastapi.APIRouter", "fastapi.routing.APIRouter",
        "starlette.applications.Starlette", "quart.Quart", "quart.Blueprint", "sanic.Sanic", "sanic.Blueprint",
    }
)
#: Decorator methods that register a web route on an app or router object
#: (`@app.route`, `@app.post`, `@router.get`, `@bp.route`, `@app.api_route`).
ROUTE_METHODS = frozenset({"route", "get", "post", "put", "patch", "delete", "api_route", "websocket"})
#: Decorators that make a function a request handler or a model-serving endpoint.
HANDLER_DECORATORS = frozenset(
    {
        "rest_framework.decorators.api_view",
        "django.views.decorators.http.require_POST",
        "django.views.decorators.http.require_GET",
        "django.views.decorators.http.require_http_methods",
        "django.views.decorators.http.require_safe",
        "functions_framework.http",
        "bentoml.api",
        "modal.web_endpoint",
        "modal.fastapi_endpoint",
    }
)
_HTTP_METHODS = frozenset({"get", "post", "put", "patch"})
#: Base classes of model servers and views, and their methods that serve requests.
SERVING_BASES = {
    "ts.torch_handler.base_handler.BaseHandler": frozenset({"handle", "preprocess", "inference", "postprocess"}),
    "mlflow.pyfunc.PythonModel": frozenset({"predict"}),
    "mlflow.pyfunc.model.PythonModel": frozenset({"predict"}),
    "kserve.Model": frozenset({"predict", "preprocess", "postprocess"}),
    "kfserving.KFModel": frozenset({"predict", "preprocess", "postprocess"}),
    "mlserver.MLModel": frozenset({"predict"}),
    "litserve.LitAPI": frozenset({"predict", "decode_request", "encode_response"}),
    "flask.views.MethodView": _HTTP_METHODS,
    "django.views.View": _HTTP_METHODS,
    "django.views.generic.View": _HTTP_METHODS,
    "django.views.generic.base.View": _HTTP_METHODS,
    "rest_framework.views.APIView": _HTTP_METHODS,
}
#: Class decorators that deploy a class as a model server, and its methods that serve.
SERVING_CLASS_DECORATORS = frozenset({"ray.serve.deployment", "bentoml.service"})
DEPLOYED_METHODS = frozenset({"__call__", "predict", "handle", "inference"})


def decorator_names(file: FileContext, decorator: cst.Decorator) -> tuple[str, ...]:
    """The qualified names of what a decorator calls or is: `bentoml.api` for `@bentoml.api()`."""
    expr = decorator.decorator
    return file.qualified_names(expr.func if isinstance(expr, cst.Call) else expr)


def serving_methods(file: FileContext, node: cst.ClassDef) -> frozenset[str]:
    """The methods of a class that serve requests: by its bases or its class decorators."""
    methods: set[str] = set()
    for base in node.bases:
        for name in file.qualified_names(base.value):
            methods |= SERVING_BASES.get(name, frozenset())
    if any(SERVING_CLASS_DECORATORS.intersection(decorator_names(file, d)) for d in node.decorators):
        methods |= DEPLOYED_METHODS
    return frozenset(methods)
