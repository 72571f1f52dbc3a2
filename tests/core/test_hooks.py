"""A hook gathers what the apps above a lower app have to say, each provider once."""

from melior.core.hooks import Hook


def test_every_provider_answers_in_turn_and_silence_is_left_out():
    hook = Hook("test")
    hook.register(lambda *, n: n + 1)
    hook.register(lambda *, n: None)
    hook.register(lambda *, n: n * 10)
    assert hook.answers(n=2) == [3, 20]


def test_registering_twice_counts_once():
    hook = Hook("test")

    def provider(*, n):
        return n

    hook.register(provider)
    hook.register(provider)  # ready() may run more than once
    assert hook.answers(n=7) == [7]
    assert Hook("empty").answers(n=1) == []
