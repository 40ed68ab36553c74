"""GOV.UK Frontend markup for Django forms.

Every form renders through `GovukFormRenderer` (settings.FORM_RENDERER), whose one field
template (templates/components/field.html) produces the GOV.UK form group: label, hint,
error message and input. Forms inherit `GovukFormMixin`, which gives each widget its
GOV.UK class and marks failing inputs, so templates never repeat that markup.
"""

from django.forms.renderers import TemplatesSetting

WIDGET_CLASSES = {
    "text": "govuk-input",
    "email": "govuk-input",
    "password": "govuk-input",
    "number": "govuk-input",
    "url": "govuk-input",
    "tel": "govuk-input",
    "date": "govuk-input",
    "datetime": "govuk-input",
    "select": "govuk-select",
    "selectmultiple": "govuk-select",
    "textarea": "govuk-textarea",
    "checkbox": "govuk-checkboxes__input",
    "checkboxselectmultiple": "govuk-checkboxes__input",
    "radioselect": "govuk-radios__input",
    "clearablefile": "govuk-file-upload",
    "file": "govuk-file-upload",
}
# Choice widgets show the error on the group, not on each option.
ERROR_CLASSES = {
    "govuk-input": "govuk-input--error",
    "govuk-select": "govuk-select--error",
    "govuk-textarea": "govuk-textarea--error",
    "govuk-file-upload": "govuk-file-upload--error",
}


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "components/form.html"
    field_template_name = "components/field.html"


class GovukFormMixin:
    """Gives widgets GOV.UK classes; after validation, marks the inputs that failed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = WIDGET_CLASSES.get(self[name].widget_type)
            if css:
                existing = field.widget.attrs.get("class", "")
                field.widget.attrs["class"] = f"{css} {existing}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            widget = self.fields[name].widget
            classes = widget.attrs.get("class", "").split()
            extra = [ERROR_CLASSES[c] for c in classes if c in ERROR_CLASSES]
            widget.attrs["class"] = " ".join(dict.fromkeys(classes + extra))
            # Setting aria-describedby stops Django adding the hint's id itself, so both go here.
            auto_id = self[name].auto_id
            describedby = widget.attrs.get("aria-describedby", "").split()
            wanted = ([f"{auto_id}_helptext"] if self.fields[name].help_text else []) + [
                f"{auto_id}_error"
            ]
            widget.attrs["aria-describedby"] = " ".join(dict.fromkeys(describedby + wanted))
