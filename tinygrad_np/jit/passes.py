"""Passes over a recorded `Program`, each a small function: constant folding, then the
memory plan (which buffer each new array is written into)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .ir import Call, Callback, Guard, Program, Read, Store, Var, operands, reads


def kept(program: Program) -> set[Var]:
    """The arrays that outlive the replay, with every array they may view: what is handed
    to `.grad` or `.data`, and the results."""
    out = operands(program.result)
    out += [v for i in program.instrs if isinstance(i, Store) for v in operands(i.value)]
    return set(out).union(*(v.roots for v in out))


def fold_constants(program: Program) -> None:
    """Values the same on every call (made from constants and shapes alone: backward's seed,
    the penalty's scale) are computed once, at recording, unless handed out; the calls
    making them, and checks on them alone, leave the replay."""
    handed = kept(program)
    folded = {}
    instrs = []
    for instr in program.instrs:
        out = getattr(instr, "out", None)
        if isinstance(instr, Call) and out is not None and out.known and out not in handed:
            folded[out] = out.value
            continue
        if isinstance(instr, Guard) and instr.var is not None and instr.var in folded:
            continue  # a check on a value computed once: it holds on every call
        instrs.append(instr)
    program.instrs = instrs
    program.folded = folded


def drop_trailing_checks(program: Program) -> None:
    """Re-reads of bound tensors after the last call, store or callback protect nothing
    (after an optimizer's step, when nothing follows it). A check on a value the function
    branched on stays: the result may depend on it."""
    instrs = program.instrs
    end = len(instrs)
    while end and (isinstance(instrs[end - 1], Read) or (
            isinstance(instrs[end - 1], Guard) and instrs[end - 1].kind not in ("bool", "equal"))):
        end -= 1
    needed = set(operands(program.result))
    program.instrs = instrs[:end] + [i for i in instrs[end:]
                                     if isinstance(i, Read) and i.out in needed]


def drop_dead_calls(program: Program) -> None:
    """Calls whose result nothing reads (a gradient no leaf needs) leave the replay; calls
    that write, and draws, stay."""
    used = set(operands(program.result))
    kept_instrs = []
    for instr in reversed(program.instrs):
        if isinstance(instr, Call) and instr.out is not None and instr.kind != "draw" \
                and not instr.writes and instr.out not in used:
            continue
        used.update(reads(instr))
        kept_instrs.append(instr)
    program.instrs = kept_instrs[::-1]


def plan_memory(program: Program) -> None:
    """Give each new array a buffer that the compiled step owns and reuses on every call.

    A buffer is shared by arrays of one shape and dtype whose lives do not overlap (an
    elementwise call may write into an argument it reads for the last time). An array that
    outlives the replay (a gradient handed to `.grad`, a result) gets a buffer of its own,
    reused on a later call only when nothing outside holds it any more (checked then)."""
    instrs = program.instrs
    escapes = kept(program)
    last = _last_uses(program, escapes)
    # An escaping result of an elementwise call whose argument is a new array read for the
    # last time there (the weight gradient: decay + x.T @ dh) shares that argument's
    # escaping buffer, so the matmul writes where the gradient is handed out: one
    # parameter-sized buffer less to keep in cache on every step.
    into_escape = _escape_donors(instrs, last, escapes)
    free: dict[tuple, list[int]] = {}  # (shape, dtype) -> free slots
    holder: dict[int, Var] = {}  # slot -> the array in it now
    slots: list[tuple[Any, Any, bool]] = []
    buffers: dict[Var, int] = {}
    for index, instr in enumerate(instrs):
        if not (isinstance(instr, Call) and instr.into is not None):
            continue
        var = instr.out
        assert var is not None  # only calls with a result have `into`
        value = var.value
        if not value.flags.c_contiguous:
            # numpy laid it out after its inputs (`x.T * 2` is in F order); a buffer is in C
            # order, and the layout decides what comes after (a sum adds in another order,
            # BLAS rounds differently): it stays a new array, made as the call makes it
            continue
        spec = (value.shape, value.dtype)
        # slots whose array was read for the last time before this call are free again
        for slot, held in list(holder.items()):
            if last.get(held, -1) < index:
                del holder[slot]
                free.setdefault((held.value.shape, held.value.dtype), []).append(slot)
        shared = into_escape.get(var)
        if shared is not None and shared in buffers:
            slot = buffers[shared]
        elif var in escapes or var in into_escape.values():
            slot = len(slots)
            slots.append((value.shape, value.dtype, True))
        else:
            donor = _donor(instr, index, last, holder, buffers) if instr.elementwise else None
            if donor is not None:
                slot = donor
            else:
                pool = free.get(spec)
                if pool:
                    slot = pool.pop()
                else:
                    slot = len(slots)
                    slots.append((value.shape, value.dtype, False))
            holder[slot] = var
        buffers[var] = slot
    program.buffers, program.slots = buffers, slots


def _last_uses(program: Program, escapes: set[Var]) -> dict[Var, int]:
    """{array: the index of the last instruction that reads or writes it or a view of it};
    an array that outlives the replay is used up to its end."""
    last: dict[Var, int] = {}
    for index, instr in enumerate(program.instrs):
        touched = reads(instr) + (list(instr.writes) if isinstance(instr, Call) else [])
        for var in touched:
            for root in var.roots:
                last[root] = index
    end = len(program.instrs)
    for root in escapes:
        last[root] = end
    return last


def adopt_scratch(program: Program) -> None:
    """Local buffers dead at every callback take over the scratch arrays of the optimizers
    called there (`Optimizer.scratch_arrays`): the weight-decay term, dead once added to
    the gradient, lives where `step()` then writes `lr * grad`, so that write finds its
    memory in cache instead of a buffer last touched a whole step ago. Safe because a
    step keeps nothing in its scratch, and the buffer holds nothing while a step runs."""
    instrs = program.instrs
    callbacks = [i for i, instr in enumerate(instrs) if isinstance(instr, Callback)]
    donors: dict[tuple, list[Any]] = {}
    seen: set[int] = set()
    for index in callbacks:
        scratch = getattr(instrs[index].obj, "scratch_arrays", None)
        for array in scratch() if callable(scratch) else ():
            if type(array) is np.ndarray and array.flags.c_contiguous and \
                    id(array) not in seen:
                seen.add(id(array))
                donors.setdefault((array.shape, array.dtype), []).append(array)
    if not donors:
        return
    last = _last_uses(program, kept(program))
    made = {instr.out: index for index, instr in enumerate(instrs)
            if isinstance(instr, Call) and instr.out in program.buffers}
    busy = {slot for var, slot in program.buffers.items()  # live across some callback
            if any(made[var] < c < last.get(var, made[var]) for c in callbacks)}
    for slot, (shape, dtype, escapes) in enumerate(program.slots):
        pool = donors.get((shape, dtype))
        if pool and not escapes and slot not in busy:
            program.adopted[slot] = pool.pop()


def _escape_donors(instrs: list[Any], last: dict[Var, int], escapes: set[Var]
                   ) -> dict[Var, Var]:
    """{escaping result: the argument whose escaping buffer it is written into}."""
    made = {i.out for i in instrs if isinstance(i, Call) and i.into is not None}
    donors: dict[Var, Var] = {}
    for index, instr in enumerate(instrs):
        if not (isinstance(instr, Call) and instr.into is not None and instr.elementwise
                and instr.out in escapes):
            continue
        args = operands(instr.args)
        value = instr.out.value
        for arg in args:
            if (arg in made and arg not in escapes and arg not in donors.values()
                    and last.get(arg) == index and arg.value.shape == value.shape
                    and arg.value.dtype == value.dtype
                    and not any(other is not arg and arg in other.roots for other in args)):
                donors[instr.out] = arg
                break
    return donors


def _donor(instr: Call, index: int, last: dict[Var, int], holder: dict[int, Var],
           buffers: dict[Var, int]) -> int | None:
    """An argument's buffer an elementwise call may write into: read for the last time
    here, of the result's shape and dtype, and not viewed by another argument."""
    args = operands(instr.args)
    assert instr.out is not None
    value = instr.out.value
    for arg in args:
        slot = buffers.get(arg)
        if slot is None or holder.get(slot) is not arg or last.get(arg) != index:
            continue
        if arg.value.shape != value.shape or arg.value.dtype != value.dtype:
            continue
        if any(other is not arg and arg in other.roots for other in args):
            continue
        return slot
    return None


def run(program: Program) -> Program:
    drop_trailing_checks(program)
    fold_constants(program)
    drop_dead_calls(program)
    plan_memory(program)
    adopt_scratch(program)
    return program


__all__ = ["adopt_scratch", "drop_dead_calls", "drop_trailing_checks", "fold_constants", "kept",
           "plan_memory", "run"]
