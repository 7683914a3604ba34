#!/usr/bin/python3
"""Fail when a name in a pvkit proto header has no line in its .def list.

Usage: check_coverage.py include/pvkit/proto/NAME.h tests/abi/defs/NAME.def

Every name the header declares must be mentioned by an ABI_* line:

  struct tag            ABI_STRUCT(tag) or ABI_STRUCT_AS(tag, ...)
  union tag             ABI_UNION(tag) or ABI_UNION_AS(tag, ...)
  member of struct tag  ABI_FIELD / ABI_FIELD_OFF (or _AS) whose member path
                        starts with it; a line for "u.open.rate" covers the
                        members u, u.open and u.open.rate
  member of union tag   ABI_EXPR(tag, ...) whose expression uses ->member
                        or .member
  typedef name          ABI_TYPE(name) or ABI_TYPE_AS(name, ...)
  enum constant,        ABI_CONST, ABI_STR, ABI_CONST_AS, ABI_STR_AS, or
  object-like macro     ABI_EXPR with that name as its label
  function-like macro   ABI_EXPR(NAME, ...)

ABI_SKIP(name, "reason") covers a name with no Xen counterpart (for a
member write tag.member).  The include guard needs no line.  All branches
of #if blocks are read, so a name defined for one architecture only still
needs a line (the .def may wrap it in the same #if).
Standard library only.
"""
import re
import sys

KEYWORDS = {
    'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do',
    'double', 'else', 'enum', 'extern', 'float', 'for', 'goto', 'if',
    'inline', 'int', 'long', 'register', 'restrict', 'return', 'short',
    'signed', 'sizeof', 'static', 'struct', 'switch', 'typedef', 'union',
    'unsigned', 'void', 'volatile', 'while', '_Alignas', '_Atomic', '_Bool',
    '_Noreturn', '_Static_assert', '_Thread_local', '__extension__',
    '__inline', '__inline__', '__restrict', '__volatile__',
}
TOKEN = re.compile(r'''
    (?P<str>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')
  | (?P<id>[A-Za-z_]\w*)
  | (?P<num>\.?\d(?:[\w.]|[eEpP][+-])*)
  | (?P<punct>->|\.\.\.|[^\s\w])
''', re.X)


def strip_comments(text):
    """Remove comments, keeping strings and line structure."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('/*', i):
            end = text.find('*/', i + 2)
            end = n if end < 0 else end + 2
            out.append('\n' * text.count('\n', i, end) or ' ')
            i = end
        elif text.startswith('//', i):
            end = text.find('\n', i)
            i = n if end < 0 else end
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)


class Header:
    """The names one header declares."""

    def __init__(self):
        self.structs = {}   # tag -> set of member paths ('a', 'a.b', ...)
        self.unions = {}    # tag -> set of member paths
        self.typedefs = set()
        self.enum_consts = set()
        self.macros = {}    # name -> 'object' | 'function'
        self.guard = None


def split_preprocessor(text, hdr):
    """Collect macros; return the text without preprocessor lines."""
    text = re.sub(r'\\\n', ' ', text)
    body = []
    first_ifndef = None
    for line in text.split('\n'):
        s = line.strip()
        if not s.startswith('#'):
            body.append(line)
            continue
        body.append('')
        m = re.match(r'#\s*ifndef\s+(\w+)', s)
        if m and first_ifndef is None:
            first_ifndef = m.group(1)
            continue
        m = re.match(r'#\s*define\s+(\w+)(\()?(.*)', s)
        if m:
            name = m.group(1)
            if name == first_ifndef and hdr.guard is None and \
                    not m.group(2) and not m.group(3).strip():
                hdr.guard = name
                continue
            hdr.macros[name] = 'function' if m.group(2) else 'object'
    return '\n'.join(body)


def tokenize(text):
    toks = [m.group(0) for m in TOKEN.finditer(text)]
    out, i = [], 0
    while i < len(toks):  # drop __attribute__((...)) and __asm__(...)
        if toks[i] in ('__attribute__', '__attribute', '__asm__', '__asm') \
                and i + 1 < len(toks) and toks[i + 1] == '(':
            i = skip_group(toks, i + 1)
            continue
        out.append(toks[i])
        i += 1
    return out


def skip_group(toks, i):
    """toks[i] opens a bracket; return the index after its match."""
    pairs = {'(': ')', '[': ']', '{': '}'}
    stack = []
    while i < len(toks):
        t = toks[i]
        if t in pairs:
            stack.append(pairs[t])
        elif stack and t == stack[-1]:
            stack.pop()
            if not stack:
                return i + 1
        i += 1
    return i


def split_top(toks, sep):
    """Split a token list at SEP outside brackets."""
    parts, cur, depth = [], [], 0
    for t in toks:
        if t in '([{':
            depth += 1
        elif t in ')]}':
            depth -= 1
        if t == sep and depth == 0:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        parts.append(cur)
    return parts


def declarator_name(toks):
    """The name declared by TOKS: a declarator, possibly preceded by a
    plain type ("unsigned long cr2", "XEN_GUEST_HANDLE(x) ports", "*p",
    "ref[3]", "(*cb)(int)")."""
    name, depth, group = None, 0, None
    for k, t in enumerate(toks):
        if depth == 0 and t in ('[', ':', '='):
            break
        if t in '([{':
            if depth == 0 and t == '(' and group is None:
                group = k
            depth += 1
        elif t in ')]}':
            depth -= 1
        elif depth == 0 and re.match(r'[A-Za-z_]\w*$', t) and t not in KEYWORDS:
            name = t
    if name is None and group is not None:  # function pointer: (*name)
        inner = toks[group + 1:skip_group(toks, group) - 1]
        if inner[:1] == ['*']:
            return declarator_name(inner[1:])
    return name


class Parser:
    def __init__(self, toks, hdr):
        self.toks, self.hdr = toks, hdr

    def parse_top(self):
        toks, i = self.toks, 0
        while i < len(toks):
            j, decl = i, []
            while j < len(toks) and toks[j] != ';':
                if toks[j] in '([':
                    k = skip_group(toks, j)
                    decl.extend(toks[j:k])
                    j = k
                    continue
                if toks[j] == '{':
                    k = skip_group(toks, j)
                    decl.extend(toks[j:k])
                    j = k
                    if self.is_function(decl):
                        break  # function body: no ';' follows
                    continue
                decl.append(toks[j])
                j += 1
            self.declaration(decl)
            i = j + 1

    @staticmethod
    def is_function(decl):
        start = decl.index('{') if '{' in decl else len(decl)
        head = decl[:start]
        return bool(head) and head[-1] == ')' and \
            not any(t in ('struct', 'union', 'enum') for t in head[:2])

    def declaration(self, decl):
        if not decl or '{' in decl and self.is_function(decl):
            return
        is_typedef = 'typedef' in decl[:3]
        spec_end = self.type_specifier(decl)
        if is_typedef:
            for d in split_top(decl[spec_end:], ','):
                name = declarator_name(d)
                if name:
                    self.hdr.typedefs.add(name)

    def type_specifier(self, decl):
        """Record any struct/union/enum body in DECL; return where the
        declarators start."""
        i = 0
        while i < len(decl):
            t = decl[i]
            if t in ('struct', 'union', 'enum'):
                tag = None
                j = i + 1
                if j < len(decl) and re.match(r'\w+$', decl[j]):
                    tag = decl[j]
                    j += 1
                if j < len(decl) and decl[j] == '{':
                    end = skip_group(decl, j)
                    self.aggregate(t, tag, decl[j + 1:end - 1])
                    return end
                return j
            if t in ('typedef', 'static', 'const', 'volatile', 'extern',
                     'inline', '__extension__'):
                i += 1
                continue
            return 0  # plain type: declarator_name skips it
        return i

    def aggregate(self, kind, tag, body):
        """Parse an aggregate body; return its member paths."""
        if kind == 'enum':
            for item in split_top(body, ','):
                if item and re.match(r'[A-Za-z_]\w*$', item[0]):
                    self.hdr.enum_consts.add(item[0])
            return set()
        paths = set()
        for member in split_top(body, ';'):
            if not member:
                continue
            sub = None
            start = 0
            if member[0] in ('struct', 'union') or \
                    member[0] in ('const', 'volatile') and len(member) > 1 \
                    and member[1] in ('struct', 'union'):
                k = 1 if member[0] in ('struct', 'union') else 2
                kw = member[k - 1]
                j = k
                subtag = None
                if j < len(member) and re.match(r'\w+$', member[j]):
                    subtag = member[j]
                    j += 1
                if j < len(member) and member[j] == '{':
                    end = skip_group(member, j)
                    sub = self.aggregate(kw, subtag, member[j + 1:end - 1])
                    start = end
                else:
                    start = j
            elif member[0] == 'enum':
                start = self.type_specifier(member)
            else:
                start = 0
            names = [declarator_name(d) for d in split_top(member[start:], ',')]
            names = [n for n in names if n]
            if not names and sub is not None:
                paths |= sub  # anonymous struct/union: members lift up
            for n in names:
                paths.add(n)
                for s in sub or ():
                    paths.add(n + '.' + s)
        if tag:
            table = self.hdr.structs if kind == 'struct' else self.hdr.unions
            table.setdefault(tag, set()).update(paths)
        return paths


def parse_header(path):
    hdr = Header()
    with open(path, encoding='utf-8') as f:
        text = strip_comments(f.read())
    text = split_preprocessor(text, hdr)
    Parser(tokenize(text), hdr).parse_top()
    return hdr


def def_entries(path):
    """(kind, [args]) for every ABI_* line of a .def file."""
    with open(path, encoding='utf-8') as f:
        text = strip_comments(f.read())
    text = '\n'.join(l for l in text.split('\n')
                     if not l.strip().startswith('#'))
    toks = tokenize(text)
    out, i = [], 0
    while i < len(toks):
        t = toks[i]
        if t.startswith('ABI_') and i + 1 < len(toks) and toks[i + 1] == '(':
            end = skip_group(toks, i + 1)
            args = split_top(toks[i + 2:end - 1], ',')
            out.append((t[4:], args))
            i = end
        else:
            i += 1
    return out


def path_components(toks):
    text = ''.join(toks)
    text = re.sub(r'\[[^\]]*\]', '', text)
    parts = [p for p in text.split('.') if p]
    return ['.'.join(parts[:k]) for k in range(1, len(parts) + 1)]


class Coverage:
    def __init__(self, entries):
        self.names = set()      # macros, enum constants, typedefs
        self.structs = set()
        self.unions = set()
        self.fields = {}        # struct tag -> covered member paths
        self.union_members = {}  # union tag -> identifiers used after -> or .
        for kind, args in entries:
            self.add(kind, args)

    def add(self, kind, args):
        first = ''.join(args[0]) if args else ''
        if kind in ('TYPE', 'TYPE_AS', 'CONST', 'STR', 'CONST_AS', 'STR_AS'):
            self.names.add(first)
        elif kind in ('STRUCT', 'STRUCT_AS'):
            self.structs.add(first)
        elif kind in ('UNION', 'UNION_AS'):
            self.unions.add(first)
        elif kind in ('FIELD', 'FIELD_OFF', 'FIELD_AS', 'FIELD_OFF_AS'):
            member = args[-1] if len(args) >= 2 else []
            self.fields.setdefault(first, set()).update(path_components(member))
        elif kind == 'EXPR':
            self.names.add(first)
            rest = [t for a in args[1:] for t in a + [',']]
            used = {rest[k + 1] for k in range(len(rest) - 1)
                    if rest[k] in ('->', '.')}
            self.union_members.setdefault(first, set()).update(used)
        elif kind == 'SKIP':
            if '.' in first:
                tag, member = first.split('.', 1)
                self.fields.setdefault(tag, set()).add(member)
                self.union_members.setdefault(tag, set()).add(member)
            else:
                self.names.add(first)
                self.structs.add(first)
                self.unions.add(first)


def missing(hdr, cov):
    out = []
    for name, kind in sorted(hdr.macros.items()):
        if name not in cov.names:
            out.append('%s macro %s' % (
                'function-like' if kind == 'function' else 'object-like', name))
    for name in sorted(hdr.enum_consts - cov.names):
        out.append('enum constant %s' % name)
    for name in sorted(hdr.typedefs - cov.names):
        out.append('typedef %s' % name)
    for tag, paths in sorted(hdr.structs.items()):
        if tag not in cov.structs:
            out.append('struct %s' % tag)
        covered = cov.fields.get(tag, set())
        for p in sorted(paths):
            if p not in covered and not any(p.startswith(c + '.') for c in covered):
                out.append('member %s of struct %s' % (p, tag))
    for tag, paths in sorted(hdr.unions.items()):
        if tag not in cov.unions:
            out.append('union %s' % tag)
        used = cov.union_members.get(tag, set())
        for p in sorted(paths):
            if p.split('.')[0] not in used:
                out.append('member %s of union %s' % (p, tag))
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    header, deffile = sys.argv[1:]
    hdr = parse_header(header)
    try:
        entries = def_entries(deffile)
    except OSError:
        sys.exit('%s: no ABI list %s; every proto header needs one '
                 '(see tests/abi/README.md)' % (header, deffile))
    gaps = missing(hdr, Coverage(entries))
    if gaps:
        print('%s: %d name(s) without a line in %s:' % (header, len(gaps), deffile),
              file=sys.stderr)
        for g in gaps:
            print('  ' + g, file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
