"""The task UI: people find their tasks, fill in the forms and follow their cases in a browser.

Served by the gateway under ``<prefix>/ui`` (``create_app`` and :class:`~api.plugin.WorkflowPlugin`
mount it, see :func:`api.ui.mount.ui_routers`), on either engine. Pages are rendered on the server
from Jinja templates shipped as package data, with our own CSS and one small script; nothing is
loaded from elsewhere at run time. Access is the engine's: every call is made with the signed-in
identity, taken from the same JWTs the API accepts. See docs/ui.md.
"""
