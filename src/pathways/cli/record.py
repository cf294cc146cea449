"""`pathways record EVENT ...`: one subcommand per event type, built from the schemas.

Choices, required options, help texts and examples all come from the pydantic
models in `pathways.domain.events`, so the CLI, the importer and the docs
cannot drift apart.
"""

from __future__ import annotations

import types
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import click
from pydantic.fields import FieldInfo

from pathways.cli.options import DATE, actor_option
from pathways.cli.receipts import print_receipt
from pathways.cli.session import open_app
from pathways.domain.events import (
    EVENT_TYPES,
    SPECIAL_TYPES,
    Event,
    YouthEvent,
)
from pathways.i18n import _
from pathways.interchange import LineError, explain

# Realistic sample values, for the generated examples (and docs/events.md).
SAMPLE_CODES: dict[str, str] = {
    "residence": "saint-malo",
    "destination": "rennes",
    "organisation": "we-ker",
    "to_organisation": "we-ker",
    "counsellor": "c-wk-07",
    "to_counsellor": "c-wk-07",
    "facility": "cp-rennes-vezin",
    "measure": "job-dating-vezin",
    "code": "job-dating-vezin",
    "territory": "rennes",
    "reason": "completed",
    "name": "Job dating in prison",
}


def unwrap(annotation: Any) -> tuple[Any, bool]:
    """The base type of a field and whether it may be None."""
    optional = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(get_args(annotation))
            annotation = args[0]
        else:
            return annotation, optional


def sample(name: str, info: FieldInfo) -> str | None:
    base, _optional = unwrap(info.annotation)
    if get_origin(base) is Literal:
        return str(get_args(base)[0])
    if base is bool:
        return None
    if base is date:
        return "2026-03-20" if name != "birth_date" else "2006-05-14"
    if base is int:
        return "3"
    return SAMPLE_CODES.get(name, "x")


def example(cls: type[Event]) -> str:
    """A command line that records an event of this type."""
    parts = ["pathways record", cls.command_name()]
    if issubclass(cls, YouthEvent):
        parts.append("Y-2026-0042")
    parts.append("--on 2026-03-01")
    for name, info in cls.model_fields.items():
        if name in ("id", "youth", "occurred_on", "recorded_by") or not info.is_required():
            continue
        value = sample(name, info)
        option = "--" + name.replace("_", "-")
        if value is None:
            parts.append(option)
        else:
            parts.append(f"{option} {value!r}" if " " in value else f"{option} {value}")
    return " ".join(parts)


def field_option(name: str, info: FieldInfo) -> click.Option:
    base, _optional = unwrap(info.annotation)
    option = "--" + name.replace("_", "-")
    help_text = info.description or ""
    if info.is_required():
        help_text += " [required]"
    if base is bool:
        return click.Option([f"{option}/--no-{option[2:]}", name], default=None, help=help_text)
    click_type: Any = click.STRING
    if get_origin(base) is Literal:
        click_type = click.Choice([str(v) for v in get_args(base)])
    elif base is date:
        click_type = DATE
    elif base is int:
        click_type = click.INT
    return click.Option([option, name], type=click_type, default=None, help=help_text)


def option_label(field: str, renamed: Mapping[str, str] | None = None) -> str:
    """How a field is named in the messages of `record` (and `amend`, whose options
    `renamed` may name otherwise): by its option, or its argument."""
    if field == "youth":
        return "YOUTH"
    if field == "occurred_on":
        return _("option {option}").format(option="--on")
    option = (renamed or {}).get(field, field.replace("_", "-"))
    return _("option {option}").format(option="--" + option)


def build_event(cls: type[Event], values: dict[str, Any]) -> Event:
    data = {k: v for k, v in values.items() if v is not None}
    try:
        return cls.model_validate(data)
    except Exception as error:
        from pydantic import ValidationError

        if isinstance(error, ValidationError):
            # Only the names of the options change: values are echoed as typed.
            raise click.UsageError(explain(cls, error, option_label)) from None
        raise


def make_command(cls: type[Event]) -> click.Command:
    is_youth = issubclass(cls, YouthEvent)

    @click.pass_context
    def callback(ctx: click.Context, /, actor: str, **values: Any) -> None:
        values["occurred_on"] = values.pop("on")
        if values.get("id") is None:
            values.pop("id", None)
        event = build_event(cls, values)
        app = open_app(ctx)
        receipt = app.record(event, actor)
        print_receipt(receipt)
        click.echo(_("id: {id}").format(id=event.id))

    params: list[click.Parameter] = []
    if is_youth:
        params.append(click.Argument(["youth"], metavar="YOUTH"))
    params.append(
        click.Option(["--on", "on"], type=DATE, required=True, help="The date it happened.")
    )
    params.extend(
        field_option(name, info)
        for name, info in cls.model_fields.items()
        if name not in ("id", "youth", "occurred_on", "recorded_by")
    )
    params.append(
        click.Option(
            ["--id", "id"],
            type=click.UUID,
            help="Event id (default: a new random one, so the same command run twice"
            " records the step twice).",
        )
    )
    params.append(
        click.Option(
            ["--recorded-by", "recorded_by"],
            help="The original recorder, when copying from another system.",
        )
    )
    doc = (cls.__doc__ or "").strip()
    command = click.Command(
        cls.command_name(),
        callback=callback,
        params=params,
        help=f"{doc}\n\n\b\nExample:\n  {example(cls)}",
        short_help=doc.split("\n")[0],
    )
    return actor_option(command)


@click.group()
def record() -> None:
    """Record one step of a pathway (or a pilot measure).

    \b
    Example:
      pathways record contact-made Y-2026-0042 --on 2026-03-01 --channel in-prison
    """


for _cls in EVENT_TYPES.values():
    if _cls.type_name() not in SPECIAL_TYPES:
        record.add_command(make_command(_cls))

__all__ = ["LineError", "build_event", "record", "uuid"]
