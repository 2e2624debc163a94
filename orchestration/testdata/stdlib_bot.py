#!/usr/bin/env python3
"""A Telegram bot on the Python standard library alone, written against botcap's bot contract
(environment/README.md) and nothing else of botcap: the shape of a user's own bot.

Long polling (getUpdates with a 25 s timeout, as production bots poll) unless PORT is set; then a webhook
server on 127.0.0.1:PORT that registers its own path (not WEBHOOK_PATH) with setWebhook, as a bot does in
production. Every message gets a Claude answer (Messages API over HTTP) sent back with sendMessage.

Knobs for the tests that need a broken bot:
  --path P            the webhook path to register and serve (default /py/hook)
  --serve-path P      serve P instead of the registered path (every delivery gets 404)
  --expect-secret S   check the secret header against S instead of WEBHOOK_SECRET (every delivery gets 401)
  --tag T             ignored; lets a test find this process by its command line
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

POLL_TIMEOUT_S = 25
API = f"{os.environ['TELEGRAM_API_ROOT']}/bot{os.environ['BOT_TOKEN']}"


def log(text):
    print(text, file=sys.stderr, flush=True)


def call(method, params, timeout_s=10.0):
    request = urllib.request.Request(
        f"{API}/{method}",
        data=json.dumps(params).encode(),
        headers={"content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return json.load(response)["result"]
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{method}: {json.load(error).get('description')}") from error


def ask_claude(text):
    request = urllib.request.Request(
        f"{os.environ['ANTHROPIC_BASE_URL']}/v1/messages",
        data=json.dumps(
            {"model": "claude-haiku-4-5", "max_tokens": 150, "messages": [{"role": "user", "content": text}]}
        ).encode(),
        headers={
            "content-type": "application/json",
            "x-api-key": os.environ["ANTHROPIC_API_KEY"],
            "anthropic-version": "2023-06-01",
        },
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["content"][0]["text"]


def handle(update):
    try:
        query = update.get("callback_query")
        if query is not None:
            call("answerCallbackQuery", {"callback_query_id": query["id"]})
            return
        message = update.get("message") or {}
        text = message.get("text")
        if text is None:
            return
        reply = "Hello! What should I call you?" if text.startswith("/start") else ask_claude(text)
        call("sendMessage", {"chat_id": message["chat"]["id"], "text": reply})
    except Exception as error:  # a failed update must not stop the bot
        log(f"update {update.get('update_id')} failed: {error}")


def poll_forever():
    offset = 0
    with ThreadPoolExecutor(max_workers=32) as workers:
        while True:
            updates = call("getUpdates", {"offset": offset, "timeout": POLL_TIMEOUT_S}, POLL_TIMEOUT_S + 10)
            for update in updates:
                offset = update["update_id"] + 1
                workers.submit(handle, update)


def serve_webhook(args):
    registered = urlsplit(os.environ["WEBHOOK_URL"])._replace(path=args.path).geturl()
    served = args.serve_path or args.path
    secret = args.expect_secret or os.environ["WEBHOOK_SECRET"]

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            if self.path != served:
                self.send_error(404)
            elif self.headers.get("x-telegram-bot-api-secret-token") != secret:
                self.send_error(401)
            else:
                handle(json.loads(body))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

        def log_message(self, *_):
            pass

    class Server(ThreadingHTTPServer):
        # The default listen backlog of 5 drops connections when Telegram opens dozens at once.
        request_queue_size = 128

    server = Server(("127.0.0.1", int(os.environ["PORT"])), Hook)
    call("setWebhook", {"url": registered, "secret_token": os.environ["WEBHOOK_SECRET"]})
    log(f"webhook registered at {registered}")
    server.serve_forever()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--path", default="/py/hook")
    parser.add_argument("--serve-path")
    parser.add_argument("--expect-secret")
    parser.add_argument("--tag")
    args = parser.parse_args()
    if "PORT" in os.environ:
        serve_webhook(args)
    else:
        poll_forever()


if __name__ == "__main__":
    main()
