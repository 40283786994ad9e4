#!/usr/bin/python3
"""Fail when the man pages miss part of svsmctl's command line.

The command line comes from svsmctl itself ('svsmctl completion json', the
CLI11 tree at run time), so a new command or option cannot slip past. Rules:

- svsmctl.8 documents every global option, lists every command in COMMANDS
  and refers to every command's page;
- svsmctl-<command>.8 exists for every command, and no page exists for a
  command that does not; it documents every subcommand, positional argument
  and option (long and short) of that command and of its subcommands, and
  says what each option that takes a value defaults to;
- an option counts as documented where it starts a definition in OPTIONS
  (or GLOBAL OPTIONS): a line such as '*-f*, *--format* _FORMAT_', followed
  by its tab-indented description.
- every page has the sections every page needs.

-h/--help, which every command has, is documented once, in svsmctl.8.
"""
import argparse
import json
import pathlib
import re
import subprocess
import sys

REQUIRED_SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "JSON OUTPUT", "EXIT STATUS", "EXAMPLES",
                     "SEE ALSO"]
MAIN_SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "GLOBAL OPTIONS", "JSON OUTPUT", "EXIT STATUS",
                 "FILES", "EXAMPLES", "SEE ALSO"]


class Page:
    def __init__(self, path):
        self.path = path
        self.name = path.name
        self.text = path.read_text()
        self.lines = self.text.splitlines()

    def sections(self):
        return [line[2:].strip() for line in self.lines if line.startswith("# ")]

    def section(self, title):
        out, inside = [], False
        for line in self.lines:
            if line.startswith("# "):
                inside = line[2:].strip() == title
                continue
            if inside:
                out.append(line)
        return out

    def definition(self, word, sections):
        """The definition whose term line names `word` (e.g. '--format'), or None.

        A term line starts in column 0 with '*' and names the option in bold;
        the definition runs until the next line that starts in column 0."""
        token = f"*{word}*"
        for title in sections:
            lines = self.section(title)
            for i, line in enumerate(lines):
                if not line.startswith("*") or token not in line:
                    continue
                body = [line]
                for nxt in lines[i + 1:]:
                    if nxt and not nxt.startswith("\t"):
                        break
                    body.append(nxt)
                return "\n".join(body)
        return None


def option_words(opt):
    return [f"-{s}" for s in opt["short"]] + [f"--{l}" for l in opt["long"]]


def walk(command):
    yield command
    for sub in command["subcommands"]:
        yield from walk(sub)


def check_options(page, command, sections, errors, skip_help):
    for opt in command["options"]:
        if opt["hidden"]:
            continue
        words = option_words(opt)
        if skip_help and "--help" in words:
            continue
        where = command["path"] or "svsmctl"
        for word in words:
            body = page.definition(word, sections)
            if body is None:
                errors.append(f"{page.name}: option {word} of '{where}' is not documented "
                              f"(no '*{word}*' definition in {' or '.join(sections)})")
                continue
            if opt["takes_value"] and "default" not in body.lower():
                errors.append(f"{page.name}: option {word} of '{where}' takes a value but its "
                              f"definition does not give the default")
            if opt["default"] and opt["default"] not in body:
                errors.append(f"{page.name}: option {word} of '{where}' defaults to "
                              f"'{opt['default']}', which its definition does not mention")
            for choice in opt["choices"]:
                if f"*{choice}*" not in body:
                    errors.append(f"{page.name}: option {word} of '{where}' accepts '{choice}', "
                                  f"which its definition does not name as *{choice}*")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--svsmctl", required=True, help="the svsmctl binary")
    ap.add_argument("--man-dir", required=True, type=pathlib.Path, help="the man/ directory")
    args = ap.parse_args()

    run = subprocess.run([args.svsmctl, "completion", "json"], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"'{args.svsmctl} completion json' failed ({run.returncode}): {run.stderr}")
    root = json.loads(run.stdout)["cli"]

    errors = []
    main_page_path = args.man_dir / "svsmctl.8.scd"
    if not main_page_path.exists():
        sys.exit(f"{main_page_path} is missing")
    main_page = Page(main_page_path)

    # svsmctl.8: sections, global options, the command list.
    for title in MAIN_SECTIONS:
        if title not in main_page.sections():
            errors.append(f"{main_page.name}: no '# {title}' section")
    check_options(main_page, root, ["GLOBAL OPTIONS"], errors, skip_help=False)
    commands = "\n".join(main_page.section("COMMANDS"))
    see_also = "\n".join(main_page.section("SEE ALSO"))
    for cmd in root["subcommands"]:
        if cmd["hidden"]:
            continue
        if not re.search(rf"^\*{re.escape(cmd['name'])}\*", commands, re.M):
            errors.append(f"{main_page.name}: command '{cmd['name']}' is not listed in COMMANDS")
        if f"*svsmctl-{cmd['name']}*(8)" not in see_also:
            errors.append(f"{main_page.name}: SEE ALSO does not name svsmctl-{cmd['name']}(8)")

    # One page per command, covering its subcommands.
    expected = {f"svsmctl-{cmd['name']}.8.scd": cmd for cmd in root["subcommands"]}
    for path in sorted(args.man_dir.glob("svsmctl-*.scd")):
        if path.name not in expected:
            errors.append(f"{path.name}: there is no command '{path.name[8:].split('.')[0]}' "
                          f"(commands: {', '.join(c['name'] for c in root['subcommands'])})")
    for name, cmd in expected.items():
        path = args.man_dir / name
        if not path.exists():
            errors.append(f"{name}: missing: command '{cmd['name']}' has no man page")
            continue
        page = Page(path)
        for title in REQUIRED_SECTIONS:
            if title not in page.sections():
                errors.append(f"{name}: no '# {title}' section")
        synopsis = "\n".join(page.section("SYNOPSIS"))
        for sub in walk(cmd):
            if sub["hidden"]:
                continue
            if f"*{sub['name']}" not in synopsis and f"{sub['name']}*" not in synopsis:
                errors.append(f"{name}: SYNOPSIS does not show '{sub['path']}'")
            if sub is not cmd and f"*{sub['name']}*" not in page.text:
                errors.append(f"{name}: subcommand '{sub['path']}' is not documented")
            for pos in sub["positionals"]:
                if f"_{pos['name']}_" not in page.text:
                    errors.append(f"{name}: argument {pos['name']} of '{sub['path']}' is not documented "
                                  f"(no _{pos['name']}_)")
            check_options(page, sub, ["OPTIONS"], errors, skip_help=True)

    for e in errors:
        print(f"FAIL: {e}")
    if errors:
        print(f"{len(errors)} problem(s): update the man pages in {args.man_dir}")
        return 1
    n = sum(1 for _ in walk(root))
    print(f"OK: {n} commands and their options are documented in {len(expected) + 1} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
