"""ChatOpenAI against any OpenAI-compatible endpoint, or None (rules mode)."""

from __future__ import annotations

from ..config import Settings

DEFAULT_MODEL = "gpt-4o-mini"


def model_name(settings: Settings, chat_model=None) -> str:
    if chat_model is not None:
        named = getattr(chat_model, "model_name", None) or getattr(chat_model, "model", None)
        return named or type(chat_model).__name__
    return settings.model or DEFAULT_MODEL


def make_chat_model(settings: Settings):
    """ChatOpenAI with bounded timeout and retries, or None when no API key is configured."""
    if not settings.openai_api_key:
        return None
    from langchain_openai import ChatOpenAI
    return ChatOpenAI(model=model_name(settings), api_key=settings.openai_api_key,
                      base_url=settings.openai_base_url, timeout=settings.llm_timeout_s,
                      max_retries=settings.llm_max_retries, temperature=0, http_client=_http_client(settings))


def _http_client(settings: Settings):
    """For a batch (`llm_concurrency` set): a client whose requests share the machine-wide slots and back off on
    429/5xx; otherwise None (the openai client's own)."""
    if settings.llm_concurrency is None:
        return None
    import httpx2
    from .throttle import Slots, ThrottledTransport
    transport = ThrottledTransport(Slots(settings.cache_dir / "llm-slots", settings.llm_concurrency),
                                   settings.llm_backoff_retries, settings.llm_backoff_base_s, settings.llm_backoff_max_s)
    return httpx2.Client(transport=transport, timeout=settings.llm_timeout_s)


def structured(chat_model, schema):
    """The model bound to a pydantic schema through tool calling (the most widely supported form);
    include_raw keeps a malformed answer from raising: it comes back as parsing_error."""
    return chat_model.with_structured_output(schema, method="function_calling", include_raw=True)


def endpoint_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean the endpoint failed (network, timeout, HTTP status), not a bug in our code."""
    errors: list[type[BaseException]] = [TimeoutError, ConnectionError]
    try:
        from langchain_core.exceptions import ModelError  # what LangChain providers raise for API failures
        errors.append(ModelError)
    except ImportError:
        pass
    try:
        import openai
        errors.append(openai.OpenAIError)
    except ImportError:
        pass
    try:
        import httpx
        errors.append(httpx.HTTPError)
    except ImportError:
        pass
    return tuple(errors)
