"""The browsable API (DRF's HTML pages for people exploring /api/v1/ in a browser) under the
platform's Content-Security-Policy.

DRF's templates carry a handful of fixed style attributes (a float here, a margin there) and,
where Pygments is installed, an inline <style> block. The block is dropped. The attributes are
allowed by their hashes only ('unsafe-hashes'), computed from DRF's own templates, so exactly
those declarations may appear and no injected style attribute can."""

import base64
import hashlib
import re
from functools import cache
from pathlib import Path

import rest_framework
from rest_framework import renderers

STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"{}%]*)"')


@cache
def drf_style_attribute_hashes() -> tuple[str, ...]:
    templates = Path(rest_framework.__file__).parent / "templates" / "rest_framework"
    declarations = {
        value
        for template in templates.rglob("*.html")
        for value in STYLE_ATTRIBUTE.findall(template.read_text())
    }
    return tuple(
        f"'sha256-{base64.b64encode(hashlib.sha256(value.encode()).digest()).decode()}'"
        for value in sorted(declarations)
    )


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        # Pygments' colours would come as an inline <style> block.
        context["code_style"] = None
        return context

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            # Read by django-csp's middleware: adds this directive to this response's policy.
            response._csp_update = {
                "style-src-attr": ["'unsafe-hashes'", *drf_style_attribute_hashes()]
            }
        return super().render(data, accepted_media_type, renderer_context)
