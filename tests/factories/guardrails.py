import factory

from guardrails.models import GuardrailCategory, GuardrailPattern

__all__ = ["GuardrailCategoryFactory", "GuardrailPatternFactory"]


class GuardrailCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GuardrailCategory

    code = factory.Sequence(lambda n: f"test_category_{n}")
    name = factory.Sequence(lambda n: f"Проверочная категория {n}")
    explanation = "Так писать нельзя: проверочная категория."
    public_verdict = "block"
    private_verdict = "warn"
    position = 500


class GuardrailPatternFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GuardrailPattern

    category = factory.SubFactory(GuardrailCategoryFactory)
    kind = "words"
    target = "reply"
    pattern = factory.Sequence(lambda n: f"=запретслово{n}")
