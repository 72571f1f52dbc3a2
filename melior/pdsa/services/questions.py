"""A cycle's learning questions and their predictions. Once the test starts the predictions
are locked: a question may still be reworded, but the prediction made before the test stays
on record."""

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Cycle, LearningQuestion

S = Cycle.Status


@transaction.atomic
def save_question(
    *,
    cycle: Cycle,
    question: LearningQuestion | None = None,
    text: str,
    kind: str,
    prediction: str = "",
    predicted_value=None,
    predicted_direction: str = "",
    data_to_collect: str = "",
) -> LearningQuestion:
    if cycle.status == S.DONE:
        raise ValidationError("This cycle is done.")
    if question is None and cycle.predictions_locked_at:
        raise ValidationError(
            "The test has started: questions asked now were not predicted before it. Note them "
            "under what happened, or plan them in the next cycle."
        )
    errors = {}
    if not (text or "").strip():
        errors["question"] = "Write the question this test should answer."
    if kind not in LearningQuestion.Kind.values:
        errors["kind"] = "Choose quantitative or qualitative."
    if predicted_direction and predicted_direction not in LearningQuestion.Direction.values:
        errors["predicted_direction"] = "Choose up, down or the same."
    if errors:
        raise ValidationError(errors)
    # read afresh, so a stale copy never overwrites the prediction locked when the test began
    q = (
        LearningQuestion.objects.get(pk=question.pk, cycle=cycle)
        if question is not None
        else LearningQuestion(cycle=cycle, position=cycle.questions.count())
    )
    q.question, q.kind = text.strip(), kind
    q.prediction, q.predicted_value = (prediction or "").strip(), predicted_value
    q.predicted_direction, q.data_to_collect = predicted_direction, (data_to_collect or "").strip()
    q.save()
    return q


@transaction.atomic
def delete_question(*, question: LearningQuestion) -> None:
    if question.cycle.predictions_locked_at:
        raise ValidationError("The test has started; its questions and predictions stay on record.")
    question.delete()


def prediction_problems(cycle: Cycle) -> list[str]:
    questions = list(cycle.questions.all())
    if not questions:
        return ["Ask at least one learning question, with a prediction."]
    problems = []
    for q in questions:
        if q.kind == LearningQuestion.Kind.QUANTITATIVE:
            if q.predicted_value is None and not q.predicted_direction:
                problems.append(f"“{q.question}” needs a predicted value or direction.")
        elif not q.prediction.strip():
            problems.append(f"“{q.question}” needs a prediction, written before the test.")
    return problems
