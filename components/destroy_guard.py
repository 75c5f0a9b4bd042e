"""``DestroyGuard``: a resource-less component that makes a protected ``pulumi destroy`` refuse
before anything is deleted, while ``pulumi up`` may still delete or replace any policy.

Why it works, from the engine (pulumi/pulumi ``pkg/resource/deploy``, cited in the README):

* ``destroy`` does not check ``protect`` up front: ``GenerateDeletes`` plans a delete for every
  resource, ``ScheduleDeletes`` runs them dependents first, and ``DeleteStep.Apply`` refuses a
  protected resource only when its turn comes, so a protected Namespace alone would come last;
* a refused delete (``deleteProtectedError``) lets the run continue, but every later round skips
  the transitive dependencies of a failed step (parents, providers, ``dependsOn``, ``deletedWith``).

The guard depends on every object of the environment and nothing depends on it, so it is the first
delete attempted; when it is protected the engine refuses it and then skips everything it depends
on: the cluster and the state both keep the whole environment. It has no inputs and no provider,
so ``pulumi up`` never replaces it; a changed set of policies only changes its dependencies.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

TYPE_TOKEN = "catalyst:index:DestroyGuard"


class DestroyGuard(pulumi.ComponentResource):
    """Protected (or not) marker that depends on every object of an environment."""

    def __init__(
        self,
        name: str,
        guarded: Sequence[pulumi.Resource],
        *,
        protect: bool,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            TYPE_TOKEN,
            name,
            None,
            pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(protect=protect, depends_on=list(guarded))
            ),
        )
        self.register_outputs({})
