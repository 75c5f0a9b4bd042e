"""Run Pulumi code under mocks, in-process, recording every resource registration.

Each run starts from fresh Pulumi globals (root stack, settings, config), so runs for different
stacks in one pytest process do not see each other. The monitor records the whole
RegisterResourceRequest, because ``MockResourceArgs`` does not expose the resource options
(parent, dependencies, protect, deletedWith) that the components are responsible for.
"""

from __future__ import annotations

import contextlib
import os
import runpy
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks
from pulumi.runtime import resource as sdk_resource
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.settings import get_root_resource, reset_options
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components.stack_config import load_stack_config
from tests.support.paths import REPO_ROOT

PROJECT = "catalyst-environments"


@dataclass(frozen=True, slots=True)
class Registration:
    """One resource as the engine would have seen it."""

    type: str
    name: str
    urn: str
    parent: str
    inputs: dict[str, Any]
    custom: bool
    protect: bool
    deleted_with: str
    dependencies: tuple[str, ...]

    @property
    def parent_name(self) -> str:
        return self.parent.rsplit("::", 1)[-1]

    @property
    def dependency_names(self) -> tuple[str, ...]:
        return tuple(sorted(urn.rsplit("::", 1)[-1] for urn in self.dependencies))

    @property
    def deleted_with_name(self) -> str:
        return self.deleted_with.rsplit("::", 1)[-1]


@dataclass(frozen=True, slots=True)
class Run:
    """What one program run registered (sorted by URN) and exported."""

    resources: tuple[Registration, ...]
    outputs: dict[str, Any]
    error: BaseException | None = None

    def by_name(self, name: str) -> Registration:
        matches = [resource for resource in self.resources if resource.name == name]
        assert len(matches) == 1, f"{name}: {len(matches)} registrations"
        return matches[0]

    def of_type(self, type_: str) -> list[Registration]:
        return [resource for resource in self.resources if resource.type == type_]


class _Mocks(mocks.Mocks):
    """Resources echo their inputs as outputs, as a successful create would."""

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


class _RecordingMonitor(mocks.MockMonitor):
    def __init__(self, mocks_: mocks.Mocks) -> None:
        super().__init__(mocks_)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.registrations.append(
                Registration(
                    type=request.type,
                    name=request.name,
                    urn=response.urn,
                    parent=request.parent,
                    inputs=_whole_numbers(
                        pulumi.runtime.rpc.deserialize_properties(request.object)
                    ),
                    custom=request.custom,
                    protect=request.protect,
                    deleted_with=request.deletedWith,
                    # The SDK sends a set: its order carries no meaning, and varies.
                    dependencies=tuple(sorted(request.dependencies)),
                )
            )
        return response


@contextlib.contextmanager
def _no_stack_traces() -> Iterator[None]:
    """Registrations without the caller's stack trace (and so without a source position): the
    SDK extracts the whole Python stack, reading each frame's source line, for every resource
    it registers, only to send it to the engine; no mock reads it, and under pytest and
    hypothesis the stack is deep (~2 CPU-s of the suite's program runs)."""
    extract = sdk_resource._get_stack_trace
    sdk_resource._get_stack_trace = source_pb2.StackTrace
    try:
        yield
    finally:
        sdk_resource._get_stack_trace = extract


def _whole_numbers(value: Any) -> Any:
    """Protobuf carries every number as a double (53 -> 53.0); the provider sends JSON, where a
    whole double is an integer again. Undo it so the inputs read as the Kubernetes object."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    return value


def run_under_mocks(
    program: Callable[[], None],
    *,
    stack: str,
    config: Mapping[str, str] | None = None,
    raise_errors: bool = True,
) -> Run:
    """Run ``program`` as the body of a fresh stack.

    An exception propagates after the RPCs finish, or with ``raise_errors=False`` is returned in
    ``Run.error`` together with whatever was registered before it.
    """
    os.environ.pop("PULUMI_CONFIG", None)
    reset_options(project=PROJECT, stack=stack)
    monitor = _RecordingMonitor(_Mocks())
    pulumi.runtime.set_mocks(
        monitor.mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor
    )
    pulumi.runtime.set_all_config(dict(config or {}), [])
    root = get_root_resource()
    error: BaseException | None = None
    with _no_stack_traces():
        try:
            _sync_await(run_pulumi_func(program))
        except Exception as caught:
            if raise_errors:
                raise
            error = caught
        outputs = {
            key: _sync_await(pulumi.Output.from_input(value).future())
            for key, value in getattr(root, "outputs", {}).items()
        }
    # Registrations arrive concurrently; their order carries no meaning.
    resources = tuple(sorted(monitor.registrations, key=lambda resource: resource.urn))
    return Run(resources=resources, outputs=outputs, error=error)


def cli_config(stack: str, project_dir: Path = REPO_ROOT) -> dict[str, str]:
    """The config the Pulumi CLI would pass: Pulumi.yaml defaults, then the stack file."""
    return dict(load_stack_config(project_dir, stack).values)


def run_main(
    stack: str, config: Mapping[str, str] | None = None, *, raise_errors: bool = True
) -> Run:
    """The whole ``__main__.py`` for ``stack``, config read as the CLI would unless given."""
    values = cli_config(stack) if config is None else config
    return run_under_mocks(
        lambda: runpy.run_path(str(REPO_ROOT / "__main__.py"), run_name="__main__"),
        stack=stack,
        config=values,
        raise_errors=raise_errors,
    )
