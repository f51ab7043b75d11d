"""Every command is measured: its name, how it ended, how long it took (`Engine.observer`)."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from engine.observing import outcome_of
from engine.store.uow import UnitOfWork

P = ParamSpec("P")
R = TypeVar("R")


def metered(
    name: str,
) -> Callable[[Callable[Concatenate[UnitOfWork, P], R]], Callable[Concatenate[UnitOfWork, P], R]]:
    """Report the command to the engine's observer; a command run inside another counts as
    part of the outer one (e.g. a referral opening its case)."""

    def decorate(
        command: Callable[Concatenate[UnitOfWork, P], R],
    ) -> Callable[Concatenate[UnitOfWork, P], R]:
        @functools.wraps(command)
        def run(uow: UnitOfWork, /, *args: P.args, **kwargs: P.kwargs) -> R:
            if uow.command is not None:
                return command(uow, *args, **kwargs)
            uow.command = name
            began, error = time.perf_counter(), None
            try:
                return command(uow, *args, **kwargs)
            except BaseException as exc:
                error = exc
                raise
            finally:
                uow.command = None
                seconds = time.perf_counter() - began
                uow.engine.observer.command(name, outcome_of(error), seconds)

        return run

    return decorate
