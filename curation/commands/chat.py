"""`curate chat`: talk to an SFT run, one-shot (--prompt) or in an interactive loop.

Replies stream as they are generated and end at the end-of-turn token <|im_end|>;
the conversation stays in one KV cache across turns. In the loop, an empty line or
EOF (Ctrl-D) ends the chat and /reset starts a new one.
"""

from __future__ import annotations

import argparse
import sys

from curation.errors import UsageError


def register(subparsers) -> None:
    p = subparsers.add_parser("chat", help="chat with a fine-tuned run (streamed, multi-turn)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ckpt", required=True, metavar="SFT_DIR", help="a `curate sft` run directory or its checkpoint.pt")
    p.add_argument("--prompt", help="answer this one message and exit (default: interactive)")
    p.add_argument("--system", default=None,
                   help="system prompt (default: the one the run was fine-tuned with, from SFT_DIR/chat.json); '' for none")
    p.add_argument("--max-new-tokens", type=int, default=256, help="tokens per reply at most (default: %(default)s)")
    p.add_argument("--temperature", type=float, default=0.0, help="softmax temperature; 0 is greedy (default: %(default)s)")
    p.add_argument("--top-k", type=int, default=0, help="sample among the k likeliest tokens; 0: all (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="sampling seed (default: %(default)s)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="default: %(default)s (CUDA when available)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from curation.commands.checkpoints import load_for_command
    from pretrain.chat import ChatSession, read_chat_metadata

    if args.max_new_tokens < 1 or args.temperature < 0 or args.top_k < 0:
        raise UsageError("need --max-new-tokens >= 1, --temperature >= 0 and --top-k >= 0")
    ckpt, model, tokenizer, _ = load_for_command(args.ckpt, args.device, "fine-tune one with `curate sft`")
    system = args.system if args.system is not None else read_chat_metadata(ckpt)["system_prompt"]

    def new_session() -> ChatSession:
        return ChatSession(model, tokenizer, system or None, temperature=args.temperature,
                           top_k=args.top_k or None, seed=args.seed)

    def answer(session: ChatSession, text: str) -> None:
        for piece in session.reply(text, args.max_new_tokens):
            sys.stdout.write(piece)
            sys.stdout.flush()
        sys.stdout.write("\n")

    session = new_session()
    if args.prompt is not None:
        answer(session, args.prompt)
        return 0
    while True:
        try:
            text = input("you> ")
        except EOFError:
            break
        if not text.strip():
            break
        if text.strip() == "/reset":
            session = new_session()
            continue
        sys.stdout.write("assistant> ")
        answer(session, text)
    return 0
