import factory

from sellers.models import Seller, User

__all__ = ["DEFAULT_PASSWORD", "SellerFactory", "StaffUserFactory", "UserFactory"]

DEFAULT_PASSWORD = "Str0ng-pass-for-tests"


class SellerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seller

    name = factory.Sequence(lambda n: f"Магазин {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name", locale="ru_RU")
    seller = factory.SubFactory(SellerFactory)
    role = User.Role.OWNER
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffUserFactory(UserFactory):
    seller = None
    role = ""
    is_staff = True
    is_superuser = True
