"""LLM plumbing shared by the narrative review and the chat: the chat model factory (any OpenAI-compatible
endpoint, or None for rules mode), the response cache and the prompt loader.

The only place a chat model is built; langchain and openai are imported lazily.
"""

from .models import DEFAULT_MODEL, endpoint_errors, make_chat_model, model_name, structured

__all__ = ["DEFAULT_MODEL", "endpoint_errors", "make_chat_model", "model_name", "structured"]
