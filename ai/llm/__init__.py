"""The LLM side of the AI: one client for the OpenAI-compatible API (client.py), the prompts (prompts.py), the
answer schemas (schemas.py), personal-data masking (masking.py), cost and the daily budget (accounting.py,
budget.py), and the two calls the pipeline uses (service.py: llm_analyze, llm_draft). docs/ai-llm.md."""
