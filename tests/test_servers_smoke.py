import chromadb
import openai

from .conftest import SMOLLM2


def test_llama_server_answers(llama_server: str) -> None:
    client = openai.OpenAI(base_url=llama_server, api_key="x")
    reply = client.chat.completions.create(
        model=SMOLLM2, messages=[{"role": "user", "content": "Hi"}], max_tokens=5
    )
    assert reply.usage is not None and reply.usage.completion_tokens > 0


def test_chroma_server_heartbeat(chroma_server: str) -> None:
    host, port = chroma_server.removeprefix("http://").split(":")
    assert chromadb.HttpClient(host=host, port=int(port)).heartbeat() > 0
