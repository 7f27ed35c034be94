"""The AI assistant: LLM providers, chat, context building and edit proposals."""
