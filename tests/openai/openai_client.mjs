// Drives flowhost's OpenAI-compatible endpoint with the official `openai` package, as any OpenAI
// client would: list the models, retrieve one, a completion, a streamed completion, and the errors (an unknown
// model, a request without messages, a refused token). Run by
// check_openai_client.sh, which starts the fake OpenRouter and `flowhost serve`; exits non-zero
// on the first failed check.
//
//   node openai_client.mjs BASE_URL TOKEN          every check
//   node openai_client.mjs BASE_URL TOKEN https    an https:// BASE_URL (TLS on the listener): the
//                                                  model list, a completion and a stream
import assert from "node:assert/strict";
import OpenAI from "openai";

const [baseURL, token, mode] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: token, maxRetries: 0, timeout: 30_000 });
const messages = [
  { role: "system", content: "Be brief." },
  { role: "user", content: "Say hello." },
];

async function check(name, body) {
  await body();
  console.log(`ok - ${name}`);
}

if (mode === "https") {
  await check("over https: models.list, a completion and a streamed completion", async () => {
    assert.match(baseURL, /^https:/);
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.deepEqual(ids, ["chat"]);
    const completion = await client.chat.completions.create({ model: "chat", messages });
    assert.ok(completion.choices[0].message.content.length > 0);
    const stream = await client.chat.completions.create({ model: "chat", messages, stream: true });
    let text = "";
    for await (const chunk of stream) {
      for (const choice of chunk.choices) text += choice.delta.content ?? "";
    }
    assert.equal(text, completion.choices[0].message.content);
  });
  process.exit(0);
}

await check("models.list lists the workflows exposed as OpenAI models", async () => {
  const ids = [];
  for await (const model of client.models.list()) ids.push(model.id);
  assert.deepEqual(ids, ["chat"]);
});

await check("models.retrieve answers one model, and an unknown one is a NotFoundError", async () => {
  const model = await client.models.retrieve("chat");
  assert.equal(model.id, "chat");
  assert.equal(model.object, "model");
  assert.equal(model.owned_by, "flowhost");
  await assert.rejects(client.models.retrieve("nope"), (error) => {
    assert.ok(error instanceof OpenAI.NotFoundError, String(error));
    assert.equal(error.code, "model_not_found");
    return true;
  });
});

await check("chat.completions.create answers with content, finish_reason and usage", async () => {
  const completion = await client.chat.completions.create({
    model: "chat", messages, temperature: 0.2,
  });
  assert.equal(completion.object, "chat.completion");
  assert.match(completion.id, /^chatcmpl-/);
  assert.equal(completion.choices.length, 1);
  assert.equal(completion.choices[0].message.role, "assistant");
  assert.ok(completion.choices[0].message.content.length > 0);
  assert.equal(completion.choices[0].finish_reason, "stop");
  assert.ok(completion.usage.prompt_tokens > 0);
  assert.ok(completion.usage.completion_tokens > 0);
  assert.equal(completion.usage.total_tokens,
               completion.usage.prompt_tokens + completion.usage.completion_tokens);
  assert.equal(typeof completion.usage.cost, "number");
});

await check("a streamed completion gives the same answer in chunks, then usage", async () => {
  const whole = await client.chat.completions.create({ model: "chat", messages });
  const stream = await client.chat.completions.create({
    model: "chat", messages, stream: true, stream_options: { include_usage: true },
  });
  let text = "";
  let finish = null;
  let usage = null;
  let chunks = 0;
  for await (const chunk of stream) {
    assert.equal(chunk.object, "chat.completion.chunk");
    chunks += 1;
    for (const choice of chunk.choices) {
      text += choice.delta.content ?? "";
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  assert.ok(chunks >= 4, `only ${chunks} chunks`);
  assert.equal(text, whole.choices[0].message.content);
  assert.equal(finish, "stop");
  assert.ok(usage && usage.completion_tokens > 0);
});

await check("the openai helper collects a stream into a final completion", async () => {
  const runner = client.chat.completions.stream({ model: "chat", messages });
  const final = await runner.finalChatCompletion();
  assert.ok(final.choices[0].message.content.length > 0);
});

await check("an unknown model is a NotFoundError with OpenAI's error body", async () => {
  await assert.rejects(client.chat.completions.create({ model: "nope", messages }), (error) => {
    assert.ok(error instanceof OpenAI.NotFoundError, String(error));
    assert.equal(error.status, 404);
    assert.equal(error.code, "model_not_found");
    assert.equal(error.param, "model");
    assert.match(error.message, /GET \/v1\/models/);
    return true;
  });
});

await check("a request without messages is a BadRequestError naming the parameter", async () => {
  await assert.rejects(client.chat.completions.create({ model: "chat", messages: [] }),
                       (error) => {
    assert.ok(error instanceof OpenAI.BadRequestError, String(error));
    assert.equal(error.status, 400);
    assert.equal(error.param, "messages");
    return true;
  });
});

await check("a refused token is a PermissionDeniedError", async () => {
  const stranger = new OpenAI({ baseURL, apiKey: "not-a-token", maxRetries: 0 });
  await assert.rejects(stranger.models.list(), (error) => {
    assert.ok(error instanceof OpenAI.PermissionDeniedError, String(error));
    assert.equal(error.status, 403);
    assert.equal(typeof error.error.message, "string");
    return true;
  });
});
