"""tinygrad_np.random: manual_seed, one generator per thread, and who follows it."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import nn
from tinygrad_np.nn import init
from tinygrad_np.random import get_generator, manual_seed


def test_manual_seed_gives_numpys_stream_for_that_seed():
    manual_seed(7)
    got = get_generator().standard_normal(5)
    np.testing.assert_array_equal(got, np.random.default_rng(7).standard_normal(5))
    assert tg.manual_seed is manual_seed


def test_same_generator_until_reseeded():
    manual_seed(3)
    g = get_generator()
    assert get_generator() is g
    first = g.random(4)
    manual_seed(3)
    np.testing.assert_array_equal(get_generator().random(4), first)


def test_rng_none_initialisers_and_layers_follow_the_seed():
    manual_seed(11)
    w1 = init.glorot_uniform((4, 3))
    layer1 = nn.Linear(4, 3)
    manual_seed(11)
    w2 = init.glorot_uniform((4, 3))
    layer2 = nn.Linear(4, 3)
    np.testing.assert_array_equal(w1, w2)
    np.testing.assert_array_equal(layer1.weight.data, layer2.weight.data)
    assert not np.array_equal(w1, layer1.weight.data)  # one stream, consumed in order
    assert init.as_rng(None) is get_generator()


def _draw_in_thread() -> np.ndarray:
    box: list[np.ndarray] = []
    thread = threading.Thread(target=lambda: box.append(get_generator().random(4)))
    thread.start()
    thread.join()
    return box[0]


def test_each_thread_has_its_own_generator_seeded_from_the_root():
    manual_seed(5)
    main_before = get_generator().random(4)
    manual_seed(5)
    child_a = _draw_in_thread()
    child_b = _draw_in_thread()
    # the seeding thread's stream is untouched by the threads' draws
    np.testing.assert_array_equal(get_generator().random(4), main_before)
    # the k-th new thread gets child k of SeedSequence(seed), independent of the others
    children = np.random.SeedSequence(5).spawn(2)
    np.testing.assert_array_equal(child_a, np.random.default_rng(children[0]).random(4))
    np.testing.assert_array_equal(child_b, np.random.default_rng(children[1]).random(4))
    assert not np.array_equal(child_a, child_b)
    # and the whole thing repeats under the same seed
    manual_seed(5)
    np.testing.assert_array_equal(_draw_in_thread(), child_a)


def test_seeding_in_a_thread_leaves_the_other_threads_alone():
    manual_seed(1)
    expected = np.random.default_rng(1).random(3)
    thread = threading.Thread(target=lambda: (manual_seed(99), get_generator().random(10)))
    thread.start()
    thread.join()
    # the thread's manual_seed changed the root for new threads, not this thread's generator
    np.testing.assert_array_equal(get_generator().random(3), expected)


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True, None])
def test_bad_seed_is_refused(bad):
    with pytest.raises(ValueError, match="manual_seed"):
        manual_seed(bad)
