"""Pausing the cyclic garbage collector around allocation-heavy work.

An import, a rebuild or a read of 25,000 timelines allocates hundreds of
thousands of small objects that die by reference counting; the cyclic
collector, triggered by the allocations, then walks the whole heap again and
again (measured: a 100,000-event import runs 1.6 times faster without it). It
is paused for the duration and resumes after, when any cycle is collected.
"""

from __future__ import annotations

import gc
import os
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: Not empty while the collector is paused for a command's start-up (`pause_for_startup`).
_STARTING: list[bool] = []


def pause_for_startup() -> None:
    """Pause the cyclic collector while a command starts (its modules are imported).

    Importing builds tens of thousands of long-lived objects (classes, functions,
    pydantic's schemas), nearly none of them garbage; the collector, triggered by
    these allocations, would walk them again and again: ~10 % of the CPU time of a
    `pathways record`. `startup_done` freezes what start-up built (`gc.freeze`: never
    walked again; it lives as long as the process) and resumes the collector. Resuming
    it without freezing would walk all of it at once, and save nothing. A caller
    that had paused the collector itself keeps it paused."""
    if gc.isenabled():
        gc.disable()
        _STARTING.append(True)


def startup_done() -> None:
    """The command is loaded: freeze what start-up built, resume the collector."""
    if _STARTING:
        _STARTING.clear()
        gc.freeze()
        gc.enable()


#: pydantic's plugin loader, and the values of PYDANTIC_DISABLE_PLUGINS with which it
#: loads none (`pydantic.plugin._loader.get_plugins`).
PLUGIN_LOADER = "pydantic.plugin._loader"
NO_PLUGINS = ("__all__", "1", "true")


def no_pydantic_plugins() -> None:
    """pydantic loads no plugin: pathways uses none.

    pydantic looks for plugins in every installed package's metadata the first time a
    model is built, unless PYDANTIC_DISABLE_PLUGINS says not to (set here, unless the
    user set it: a user who wants a plugin sets it to "" or a list). Even then, its
    loader's module imports `importlib.metadata` (and with it `email`, `zipfile`,
    `csv`...): ~23 ms of every command. When the variable disables every plugin, the
    loader is replaced by one that loads none, as pydantic's own does then."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if os.environ["PYDANTIC_DISABLE_PLUGINS"] in NO_PLUGINS and PLUGIN_LOADER not in sys.modules:
        loader = types.ModuleType(PLUGIN_LOADER, "pydantic's plugin loader, plugins disabled")
        loader.get_plugins = tuple  # type: ignore[attr-defined]  # no plugin: ()
        sys.modules[PLUGIN_LOADER] = loader


def lazy_names(module: str, names: dict[str, str]) -> Callable[[str], Any]:
    """A module's `__getattr__` that imports each of `names` (name -> the module that
    defines it) when first asked for, so that importing `module` does not import
    them (PEP 562); the module names them under TYPE_CHECKING for the type checker."""
    import importlib

    def __getattr__(name: str) -> Any:
        if name in names:
            return getattr(importlib.import_module(names[name]), name)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__


def without_gc(func: Callable[P, R]) -> Callable[P, R]:
    """Run a function with the cyclic collector paused (see the module docstring)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with paused_gc():
            return func(*args, **kwargs)

    return wrapper


T = TypeVar("T")


def quick_init(cls: type[T]) -> type[T]:
    """A frozen dataclass (without slots) made quicker to build: its `__init__` stores
    each field in the instance's `__dict__`, where a frozen dataclass's calls
    `object.__setattr__` field by field, about 2.5 times slower (a list of alerts makes
    tens of thousands of alerts, lines and rows). The same signature, defaults and
    fields; for dataclasses without `__post_init__` nor default factories."""
    import dataclasses

    if not dataclasses.is_dataclass(cls) or "__slots__" in vars(cls):
        raise TypeError(f"{cls.__name__}: a dataclass without slots")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: has a __post_init__")
    params: list[str] = []
    defaults: dict[str, object] = {}
    for f in dataclasses.fields(cls):
        if not f.init or f.default_factory is not dataclasses.MISSING:
            raise TypeError(f"{cls.__name__}.{f.name}: not a plain field")
        if f.default is dataclasses.MISSING:
            params.append(f.name)
        else:
            defaults[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
    names = [f.name for f in dataclasses.fields(cls)]
    body = "".join(f"    d[{name!r}] = {name}\n" for name in names)
    source = f"def __init__(self, {', '.join(params)}):\n    d = self.__dict__\n{body}"
    found: dict[str, types.FunctionType] = {}
    exec(source, defaults, found)  # as dataclasses makes its __init__
    init = found["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__annotations__ = {f.name: f.type for f in dataclasses.fields(cls)} | {"return": None}
    setattr(cls, "__init__", init)  # noqa: B010 (mypy forbids assigning a method)
    return cls
