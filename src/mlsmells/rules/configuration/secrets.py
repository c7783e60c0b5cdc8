"""MLS204: credentials written into the source. Passwords, tokens and API keys stored under
names that say so, passed to login calls, inside connection strings, `Authorization`
headers and notebook magics, or shaped like a well-known key, are shared with everyone
who can read the code (META-D2, IND-3.8-privacy-security). The secret is never shown:
messages and source lines are masked."""

from __future__ import annotations

import re

import libcst as cst

from mlsmells.engine.calls import callee_name
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.named_literals import (
    assignments,
    dict_entries,
    first_of,
    literal_string,
    target_name,
    words,
)
from mlsmells.rule import Rule

#: Credentials with a recognisable shape, whatever they are assigned to.
_KEY_SHAPES = (
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key id"),
    (re.compile(r"\bhf_[A-Za-z0-9]{30,}\b"), "a Hugging Face token"),
    (re.compile(r"\bsk-(?:proj-|ant-(?:api\d+-)?)?[A-Za-z0-9_-]{20,}"), "an OpenAI or Anthropic API key"),
    (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})"), "a GitHub token"),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}"), "a Google API key"),
    (re.compile(r"\b[rs]k_live_[0-9A-Za-z]{20,}"), "a Stripe key"),
    (re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----"), "a private key"),
)
#: What the source of a string holding a key of a known shape or a connection string shows.
_SHAPE_MARKERS = re.compile(r"://|hf_|sk-|AKIA|ASIA|gh[pousr]_|github_pat_|xox|AIza|k_live_|PRIVATE KEY")
#: `scheme://user:password@host`, the password in group 1.
_URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/@]+:([^\s@/]+)@[\w.-]")
#: Last words of names that hold a credential by themselves.
_CREDENTIAL_WORDS = frozenset(
    {
        "password", "passwd", "pwd", "passphrase", "secret", "apikey", "accesskey", "secretkey", "privatekey",
        "authtoken", "accesstoken", "apitoken",
    }
)
#: Words before `key` or `token` that make it a credential: `api_key`, `hf_token`, not `cache_key`, `pad_token`.
_KEY_QUALIFIERS = frozenset(
    {
        "api", "access", "secret", "private", "auth", "subscription", "license", "encryption", "signing",
        "master", "client", "wandb", "kaggle", "comet", "neptune", "openai",
    }
)
_TOKEN_QUALIFIERS = frozenset(
    {
        "auth", "access", "api", "hf", "hub", "huggingface", "bearer", "github", "gh", "gitlab", "slack", "bot",
        "refresh", "oauth", "session", "secret", "personal", "kaggle", "wandb", "discord", "telegram", "jwt",
    }
)
#: Calls taking a credential, and its keyword: `wandb.login(key=...)`, `huggingface_hub.login(token)`.
_LOGIN_CALLS = {"wandb.login": "key", "huggingface_hub.login": "token", "huggingface_hub.HfFolder.save_token": "token"}
#: Calls taking a user name and a password: `HTTPBasicAuth("ml", "...")`.
_USER_PASSWORD_CALLS = frozenset({"requests.auth.HTTPBasicAuth", "requests.auth.HTTPDigestAuth", "aiohttp.BasicAuth"})
_PLACEHOLDER_WORDS = (
    "your", "example", "sample", "placeholder", "dummy", "fake", "mock", "test", "changeme", "change_me",
    "change-me", "replace", "insert", "redacted", "todo", "fixme", "xxxx", "none", "null", "undefined", "true", "false", "auth", "key",
    "password", "passwd", "secret", "token", "api_key", "apikey", "api-key", "here", "enter", "foobar",
)
#: Credentials a service ships with, published in its documentation: MinIO's root
#: `minioadmin` and the `minio123` of Kubeflow's MinIO manifests, RabbitMQ's `guest`. They
#: open a throwaway local or in-cluster service and give nothing to revoke.
_PUBLISHED_DEFAULTS = frozenset({"minioadmin", "minio123", "guest"})
_PLACEHOLDER_MARKS = ("<", ">", "{", "}", "[", "]", "$", "%s", "%(", "...", "…", "://")
#: `Bearer <token>`, the credential in group 1.
_AUTHORIZATION = re.compile(r"\b(?:Bearer|Token|Basic)\s+([^\s'\"]{8,})")
_ENVIRONMENT_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_FILE_NAME = re.compile(r"(^[~./\\])|\.(json|txt|pem|key|ya?ml|cfg|ini|env|p12|crt|pkl|toml)$", re.IGNORECASE)
#: Command-line words followed by a credential: `wandb login KEY`, `--token KEY`.
_CREDENTIAL_OPTIONS = frozenset({"login", "--token", "--key", "--api-key", "--password"})
#: A random-looking credential: long, no spaces, letters and digits.
_SECRET_SHAPED = re.compile(r"(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9_\-.=+/:]{20,}")


def maybe_secret(value: str) -> bool:
    """Whether `value` could be a real credential: not a placeholder (`<your-token>`,
    `"xxx"`, `"YOUR_API_KEY"`, `"changeme"`), not the name of an environment variable
    (`"HF_TOKEN"`), not a file name or a URL, nothing with spaces, and not a publishable
    key (`pk.` for Mapbox, `pk_` for Stripe), which is meant to ship in client code, and
    not a service's published default (`minioadmin`)."""
    lowered = value.lower()
    return (
        len(value) >= 4
        and not any(character.isspace() for character in value)
        and len(set(lowered) - set("x*#.-_0")) > 1
        and not any(mark in value for mark in _PLACEHOLDER_MARKS)
        and not any(word in lowered for word in _PLACEHOLDER_WORDS)
        and not _ENVIRONMENT_NAME.fullmatch(value)
        and not _FILE_NAME.search(value)
        and not value.startswith(("pk.", "pk_"))
        and lowered not in _PUBLISHED_DEFAULTS
    )


def credential_kind(name: str) -> str | None:
    """"password", "key", "token" or "secret" if a variable, keyword or key called `name`
    holds a credential by its name alone, else None; a bare `token` could be a
    tokenizer's `[CLS]` and is left to the value."""
    parts = words(name)
    if not parts:
        return None
    last, before = parts[-1], parts[-2] if len(parts) > 1 else ""
    if last in ("password", "passwd", "pwd", "passphrase"):
        return "password"
    if last in _CREDENTIAL_WORDS or (last == "key" and before in _KEY_QUALIFIERS):
        return "secret" if last == "secret" else "key"
    if last == "token" and before in _TOKEN_QUALIFIERS:
        return "token"
    return None


def known_shape(text: str) -> tuple[str, str] | None:
    """(what it is, the matched text) for the first credential of a known shape in `text`."""
    for pattern, what in _KEY_SHAPES:
        for match in pattern.finditer(text):
            found = match.group(0)
            if what == "a private key" or (maybe_secret(found.split("_", 1)[-1]) and _mixed(found)):
                return what, found
    return None


def _mixed(text: str) -> bool:
    """Random keys mix digits with letters; words and slugs (`sk-learn-wrapper`) do not."""
    return any(c.isdigit() for c in text) and any(c.isalpha() for c in text)


_KNOWN_PREFIX = re.compile(r"hf_|sk-|gh[pousr]_|github_pat_|xox[abposr]-|AIza|AKIA|ASIA|[rs]k_live_")


def _mask(secret: str) -> str:
    """The secret as messages show it: a known prefix (`hf_`, `sk-`, `AKIA`) at most."""
    prefix = _KNOWN_PREFIX.match(secret)
    return (prefix.group(0) if prefix else "") + "****"


def _hide(secret: str) -> str:
    """The secret as source lines show it: the same length, so columns still line up."""
    prefix = _KNOWN_PREFIX.match(secret)
    kept = prefix.group(0) if prefix else ""
    return kept + "*" * (len(secret) - len(kept))


def url_password(text: str) -> str | None:
    """The password written into a connection string (`postgresql://ml:s3cret@db/x`), if any."""
    match = _URL_PASSWORD.search(text)
    return match.group(1) if match and maybe_secret(match.group(1)) else None


def magic_secrets(command: str) -> list[str]:
    """Credentials written into an IPython command: `%env HF_TOKEN=...`, `%env HF_TOKEN ...`,
    `!wandb login ...`, `!huggingface-cli login --token ...`, and keys of a known shape."""
    tokens = command.split()
    if len(tokens) == 3 and tokens[0] in ("env", "set_env") and "=" not in tokens[1]:
        tokens = [tokens[0], f"{tokens[1]}={tokens[2]}"]
    found = []
    for token, following in zip(tokens, [*tokens[1:], ""]):
        name, equals, value = token.partition("=")
        if equals and (name in _CREDENTIAL_OPTIONS or credential_kind(name)) and maybe_secret(value):
            found.append(value)
        if token in _CREDENTIAL_OPTIONS and maybe_secret(following) and not following.startswith("-"):
            found.append(following)
    shape = known_shape(command)
    if shape:
        found.append(shape[1])
    return found


_QUOTE = re.compile("'''|\"\"\"|['\"]")


def mask_secrets(line: str) -> str:
    """`line` with every credential it may hold masked: keys of a known shape, connection
    string passwords, `Authorization` header values, any quoted string that could be a
    secret, and the credentials of an IPython command. Masking too much is harmless;
    masking too little leaks."""
    stripped = line.lstrip()
    secrets = magic_secrets(stripped.lstrip("!%")) if stripped.startswith(("!", "%")) else []
    secrets += [match.group(0) for pattern, _ in _KEY_SHAPES for match in pattern.finditer(line)]
    secrets += [match.group(1) for match in _URL_PASSWORD.finditer(line)]
    secrets += [match.group(1) for match in _AUTHORIZATION.finditer(line)]
    for secret in sorted(set(secrets), key=len, reverse=True):
        line = line.replace(secret, _hide(secret))
    return _mask_quoted(line)


def _mask_quoted(line: str) -> str:
    """Mask the contents of the quoted strings on `line` that could be secrets; a string
    left open at the end of the line runs to its end."""
    pieces, position = [], 0
    while True:
        opening = _QUOTE.search(line, position)
        if opening is None:
            pieces.append(line[position:])
            return "".join(pieces)
        quote = opening.group(0)
        start = opening.end()
        end = line.find(quote, start)
        while end != -1 and len(quote) == 1 and _escaped(line, end):
            end = line.find(quote, end + 1)
        content = line[start:] if end == -1 else line[start:end]
        pieces.append(line[position:start])
        pieces.append(_hide(content) if _could_be_secret(content) else content)
        if end == -1:
            return "".join(pieces)
        position = end


def _could_be_secret(content: str) -> bool:
    """A quoted string's source text that may hold a secret: not the name of one (`"api_key"`,
    `"Authorization"`); escapes are not decoded, so any backslash counts."""
    if "\\" in content:
        return True
    return maybe_secret(content) and credential_kind(content) is None and content.lower() != "authorization"


def _escaped(line: str, index: int) -> bool:
    backslashes = len(line[:index]) - len(line[:index].rstrip("\\"))
    return backslashes % 2 == 1


class HardCodedSecret(Rule):
    """
    A credential written into the code: a string literal assigned to, passed as or stored
    under a name that holds one (`password`, `db_passwd`, `secret`, `client_secret`,
    `api_key`, `aws_secret_access_key`, `hf_token`, `use_auth_token`, `access_token`,
    `os.environ["WANDB_API_KEY"]`, `{"api_key": ...}`), the key of `wandb.login(key=...)`
    or `huggingface_hub.login(token=...)`, the password of `requests`' `auth=(user,
    password)`, a password inside a connection string (`postgresql://ml:pw@db/x`), an
    `Authorization: Bearer` header, a `%env` or `login` line in a notebook, and any string
    holding a key of a well-known shape (AWS access key ids, `hf_...`, `sk-...`,
    `ghp_...`, `xoxb-...`, `AIza...`, private key blocks). The secret is never shown:
    messages and the source line in every output format are masked.

    Not reported: placeholders (`"<your-token>"`, `"xxx"`, `"YOUR_API_KEY"`, `"changeme"`,
    `""`, test and example values), names of environment variables (`token =
    "HF_TOKEN"`) and of headers (`API_KEY_HEADER = "X-Api-Key"`), file names, publishable
    keys (`pk.`, `pk_`), the published default credentials of local services (MinIO's
    `minioadmin`, `minio123`), values read from the environment, docstrings, and tokenizer
    tokens: a name that is only `token` (or `pad_token`, `mask_token`, `token_type_ids`)
    counts only when its value is shaped like a random key. In test code only keys of a
    well-known shape are reported; other values there are fixtures.
    """

    code = "MLS204"
    name = "hard-coded-secret"
    family = Family.CONFIGURATION
    severity = Severity.ERROR
    #: Security: a credential anyone with the code can use.
    security_severity = "7.5"
    summary = "A password, token or API key is written into the source."
    challenges = ("META-D2", "IND-3.8-privacy-security")
    why = (
        "A credential in source code is a credential shared with everyone who can read the "
        "repository, its history, the notebook's copies and the CI logs, and it cannot be rotated "
        "without a code change. ML code is full of them: Hugging Face and W&B tokens, cloud keys "
        "for the data bucket, database passwords for the feature store. META-D2 reports how "
        "tightly organisations guard data access; a key in a notebook bypasses that control, and "
        "IND-3.8 lists security among the quality attributes ML systems struggle with."
    )
    # The example's credentials are made up.
    bad = (  # noqa: MLS204
        '''
        import wandb
        from sqlalchemy import create_engine

        wandb.login(key="4f3c9a0e1b7d2c8f6a5e4d3c2b1a0f9e8d7c6b5a")
                        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        engine = create_engine("postgresql://trainer:Tr41n!ng@db.internal:5432/features")
                               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        import os

        import wandb
        from transformers import AutoTokenizer

        wandb.login(key=os.environ["WANDB_API_KEY"])
        token = os.environ.get("HF_TOKEN")
        tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased", token=token, pad_token="[PAD]")
        DB_PASSWORD = "<set in .env>"
        ''',
    )
    use_instead = (
        "Read credentials from the environment (`os.environ[\"HF_TOKEN\"]`), a `.env` file kept out of "
        "version control, or a secrets manager, and revoke the credential that was committed."
    )
    notebook_behavior = (
        "The code cells of a notebook are analysed as one module, in cell order; `%env NAME=value`, "
        "`!wandb login ...` and `!huggingface-cli login --token ...` lines are checked too. Findings "
        "name the cell and the line within it, masked."
    )
    limitations = (
        "Credentials stored under names that do not say so (`k = \"...\"`) are found only when they have a "
        "well-known shape. A real credential containing a placeholder word (`test`, `example`, `key`) "
        "is missed. Comments and cell outputs are not read. Other rules' findings on the same line show "
        "the line unmasked."
    )

    @classmethod
    def shown_line(cls, line: str) -> str:
        return mask_secrets(line)

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        #: Literals already reported, and docstrings, whose examples are not scanned.
        self.done: set[cst.CSTNode] = set()

    def _report(self, node: cst.CSTNode, what: str, secret: str) -> None:
        if node in self.done:
            return
        self.done.add(node)
        self.report(
            node,
            f"{what} is written into the source (`{_mask(secret)}`): anyone who can read the code or its history "
            "can use it; read it from the environment or a secrets manager, and revoke this one",
        )

    def _check_named(self, name: str, value: cst.BaseExpression) -> None:
        """`name = "literal"`, `name="literal"`, `{"name": "literal"}`."""
        text = literal_string(value)
        if text is None or self.file.in_tests:
            return
        kind = credential_kind(name)
        if kind is not None and maybe_secret(text) and (kind == "password" or len(text) >= 8):
            self._report(value, f"the {kind} in `{name}`", text)
        elif words(name)[-1:] == ["token"] and _SECRET_SHAPED.fullmatch(text) and maybe_secret(text):
            self._report(value, f"the token in `{name}`", text)
        elif (
            name.lower() == "authorization"
            and (header := _AUTHORIZATION.fullmatch(text))
            and maybe_secret(header.group(1))
        ):
            self._report(value, "the credential of an `Authorization` header", header.group(1))

    def visit_Assign(self, node: cst.Assign) -> None:
        self._check_assignment(node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._check_assignment(node)

    def _check_assignment(self, node: cst.Assign | cst.AnnAssign) -> None:
        for target, value in assignments(node):
            name = target_name(target)
            if name is not None:
                self._check_named(name, value)

    def visit_Call(self, node: cst.Call) -> None:
        names = self.file.qualified_names(node.func)
        login = first_of(names, tuple(_LOGIN_CALLS))
        positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        if login and _LOGIN_CALLS[login] == "token" and positional:
            self._check_login(positional[0], login)
        if first_of(names, ("os.environ.setdefault", "os.putenv")) and len(positional) == 2:
            key = literal_string(positional[0])
            if key is not None:
                self._check_named(key, positional[1])
        if first_of(names, tuple(_USER_PASSWORD_CALLS)) and len(positional) == 2:
            self._check_password(positional[1], f"`{callee_name(node.func)}(user, password)`")
        for arg in node.args:
            if arg.keyword is None:
                continue
            keyword = arg.keyword.value
            if login and keyword == _LOGIN_CALLS[login]:
                self._check_login(arg.value, login)
            elif keyword == "auth" and isinstance(arg.value, cst.Tuple) and len(arg.value.elements) == 2:
                self._check_password(arg.value.elements[1].value, "`auth=(user, password)`")
            else:
                self._check_named(keyword, arg.value)

    def _check_login(self, value: cst.BaseExpression, call: str) -> None:
        text = literal_string(value)
        if text is not None and not self.file.in_tests and maybe_secret(text) and len(text) >= 8:
            self._report(value, f"the key passed to `{call}`", text)

    def _check_password(self, value: cst.BaseExpression, where: str) -> None:
        text = literal_string(value)
        if text is not None and not self.file.in_tests and maybe_secret(text):
            self._report(value, f"the password of {where}", text)

    def visit_Dict(self, node: cst.Dict) -> None:
        for key, value in dict_entries(node):
            self._check_named(key, value)

    def visit_Expr(self, node: cst.Expr) -> None:
        """Docstrings and other strings standing alone document; they are not scanned."""
        strings = [node.value]
        while strings:
            string = strings.pop()
            if isinstance(string, cst.ConcatenatedString):
                strings += [string.left, string.right]
            elif isinstance(string, cst.SimpleString):
                self.done.add(string)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if node in self.done or not _SHAPE_MARKERS.search(node.value):
            return
        text = literal_string(node)
        if text is None:
            return
        shape = known_shape(text)
        if shape is not None:
            self._report(node, shape[0], shape[1])
            return
        password = url_password(text)
        if password is not None and not self.file.in_tests:
            self._report(node, "the password of a connection string", password)

    def end_file(self) -> None:
        notebook = self.file.notebook
        if notebook is None:
            return
        for magic in notebook.magics:
            if magic.kind in ("shell", "line-magic"):
                secrets = magic_secrets(magic.command)
                if secrets:
                    self.file.report_magic(
                        self, magic, f"a credential is written into the notebook (`{_mask(secrets[0])}`): anyone "
                        "who can read it can use it; read it from the environment or a secrets manager, and "
                        "revoke this one",
                    )
