"""`curate chat`: talk to an SFT run, one-shot (--prompt) or in an interactive loop.

Replies stream as they are generated and end at the end-of-turn token <|im_end|>;
the conversation stays in one KV cache across turns. In the loop, an empty line or
EOF (Ctrl-D) ends the chat and /reset starts a new one.

With --search OUT_DIR the model can search OUT_DIR's index (`curate index`): in
--search-mode auto (the default) it asks for a search itself when unsure, by writing
a query between <|query_start|> and <|query_end|>; in always every user message is
searched; never turns search off. The best passages go into the context between
<|search_start|> and <|search_end|>, cut to fit the model's window, and the model
answers from them. One search per turn unless --max-searches says more;
--show-search prints each query, its hits and the block (to stderr).
"""

from __future__ import annotations

import argparse
import sys

from curate_cli.checkpoints import checked_run, load_for_command
from curate_cli.index import open_searcher
from curate_cli.sample import add_generation_flags
from curation.errors import UsageError
from curation.flags import integer, seed


def register(subparsers) -> None:
    p = subparsers.add_parser("chat", help="chat with a fine-tuned run (streamed, multi-turn)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ckpt", required=True, metavar="SFT_DIR", help="a `curate sft` run directory or its checkpoint.pt")
    p.add_argument("--prompt", help="answer this one message and exit (default: interactive)")
    p.add_argument("--system", default=None,
                   help="system prompt (default: the one the run was fine-tuned with, from SFT_DIR/chat.json); '' for none")
    add_generation_flags(p, max_new_tokens=256, temperature=0.0, top_k=0)
    p.add_argument("--seed", type=seed(), default=0, help="sampling seed (default: %(default)s)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="default: %(default)s (CUDA when available)")
    p.add_argument("--search", metavar="OUT_DIR", help="the indexed `curate run` output the model may search")
    p.add_argument("--search-mode", choices=["auto", "always", "never"], default="auto",
                   help="auto: the model searches when it asks to; always: every message; never (default: %(default)s)")
    p.add_argument("--max-searches", type=integer(1), default=1, help="searches per turn at most (default: %(default)s)")
    p.add_argument("--search-k", type=integer(1), default=3, help="passages to retrieve per search (default: %(default)s)")
    p.add_argument("--show-search", action="store_true", help="print when and what it searched, and the results "
                                                              "block it was given (to stderr)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.show_search and not args.search:
        raise UsageError("--show-search needs --search OUT_DIR")
    ckpt = checked_run("--ckpt", args.ckpt, "fine-tune one with `curate sft`")
    searcher = open_searcher(args.search, "--search") if args.search else None
    from pretrain.chat import ChatSession, read_chat_metadata

    model, tokenizer, _ = load_for_command(ckpt, args.device)
    system = args.system if args.system is not None else read_chat_metadata(ckpt)["system_prompt"]

    def search(query: str) -> list[tuple[str, int]]:
        hits = searcher.search(query, args.search_k)
        if args.show_search:
            urls = "".join(f"\n  [{i}] {h.url} ({h.score:.2f})" for i, h in enumerate(hits, 1))
            print(f"search: {query!r}: {len(hits)} result(s){urls}", file=sys.stderr)
        return [(h.passage, h.focus) for h in hits]

    def shown(query: str, block: str) -> None:
        print(f"block: {block}", file=sys.stderr, flush=True)

    def new_session() -> ChatSession:
        return ChatSession(model, tokenizer, system or None, temperature=args.temperature, top_k=args.top_k or None,
                           seed=args.seed, search=search if searcher else None, mode=args.search_mode,
                           max_searches=args.max_searches, on_search=shown if args.show_search else None)

    def answer(session: ChatSession, text: str) -> None:
        for piece in session.reply(text, args.max_new_tokens):
            sys.stdout.write(piece)
            sys.stdout.flush()
        sys.stdout.write("\n")
        if args.show_search and not session.searched:
            print("search: none (the model answered without one)", file=sys.stderr)

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
