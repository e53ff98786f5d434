"""The projects card (``projekti``): a museum's project and experiments, editable by its people."""

from __future__ import annotations

from collections.abc import Mapping

from cards.checkins.actions import (
    EXPERIMENT_KEY,
    FIELD_AUDIENCE,
    FIELD_GOAL,
    FIELD_IMPACT,
    FIELD_NEW_EXPERIMENT,
    MUSEUM_KEY,
    VERB_EXPERIMENT_REMOVE,
    VERB_PROJECT_SAVE,
)
from cards.checkins.parts import status_label
from cards.elements import Element, adaptive_card, container, execute, facts, heading, text
from forum.checkins.model import MAX_TEXT, MAX_TITLE, ProjectView
from forum.i18n import tr


def project_card(
    view: ProjectView, locale: str, *, note: str | None = None, errors: Mapping[str, str] | None = None
) -> Element:
    errors = errors or {}
    body: list[Element] = [heading(tr(locale, "checkin.project.title", museum=view.museum))]
    if note:
        body.append(text(note, color="Good", weight="Bolder"))
    fields = (
        (FIELD_GOAL, "checkin.project.goal", view.goal),
        (FIELD_AUDIENCE, "checkin.project.audience", view.audience),
        (FIELD_IMPACT, "checkin.project.impact", view.impact),
    )
    if not view.may_edit:
        body.append(facts([(tr(locale, key), value or "–") for _, key, value in fields]))
    experiments: list[Element] = [text(tr(locale, "checkin.project.experiments"), weight="Bolder")]
    if not view.experiments:
        experiments.append(text(tr(locale, "checkin.project.no_experiments"), is_subtle=True))
    for experiment in view.experiments:
        experiments.append(text(f"{experiment.title} · {status_label(experiment.status, locale)}", spacing="Small"))
        if view.may_edit:
            remove = execute(
                tr(locale, "checkin.project.remove"),
                VERB_EXPERIMENT_REMOVE,
                {EXPERIMENT_KEY: experiment.id, MUSEUM_KEY: view.museum_id},
                with_inputs=False,
            )
            experiments.append({"type": "ActionSet", "actions": [remove], "spacing": "None"})
    if not view.may_edit:
        body.append(container(experiments, spacing="Medium"))
        return adaptive_card(body)
    inputs: list[Element] = []
    for field, key, value in fields:
        element: Element = {
            "type": "Input.Text",
            "id": field,
            "label": tr(locale, key),
            "isMultiline": True,
            "maxLength": MAX_TEXT,
        }
        if value:
            element["value"] = value
        inputs.append(element)
        if field in errors:
            inputs.append(text(tr(locale, errors[field]), color="Attention", size="Small", spacing="None"))
    body.append(container(inputs))
    body.append(container(experiments, spacing="Medium"))
    body.append(
        {
            "type": "Input.Text",
            "id": FIELD_NEW_EXPERIMENT,
            "label": tr(locale, "checkin.project.new_experiment"),
            "maxLength": MAX_TITLE,
        }
    )
    save = execute(
        tr(locale, "checkin.project.save"), VERB_PROJECT_SAVE, {MUSEUM_KEY: view.museum_id}, style="positive"
    )
    return adaptive_card(body, [save])
