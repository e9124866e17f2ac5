"""The platform's own tasks. Domain packages register theirs with @task in their own modules."""
from saas.jobs import task


@task("mail.deliver", queue="mail")
def deliver_mail(message: dict) -> None:
    from saas.mail import deliver

    deliver(message)
