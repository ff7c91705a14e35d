package autocomplete

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// snippet is a template offered by label; body uses Monaco snippet syntax.
type snippet struct {
	label, body, detail string
}

// language is what Rules knows about one language.
type language struct {
	id              string
	keywords        []string
	keywordsLower   []string // keywords in lower case, for caseInsensitive languages
	keywordSet      map[string]struct{}
	snippets        []snippet
	ident           *identTable
	caseInsensitive bool // keywords and identifiers ignore case (SQL)
}

// isKeyword reports whether w is one of the language's keywords, ignoring
// case in case-insensitive languages.
func (l *language) isKeyword(w string) bool {
	if !l.caseInsensitive {
		_, ok := l.keywordSet[w]
		return ok
	}
	var buf [32]byte
	if len(w) > len(buf) {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= utf8.RuneSelf {
			return false
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[i] = c
	}
	_, ok := l.keywordSet[string(buf[:len(w)])]
	return ok
}

var (
	languages = map[string]*language{}
	aliases   = map[string]string{
		"golang": "go",
		"py":     "python",
		"js":     "javascript",
		"jsx":    "javascript",
		"ts":     "typescript",
		"tsx":    "typescript",
		"c++":    "cpp",
		"cc":     "cpp",
		"cxx":    "cpp",
		"rs":     "rust",
		"text":   "plaintext",
		"txt":    "plaintext",
	}
	plaintext = &language{id: "plaintext", keywordSet: map[string]struct{}{}, ident: identASCII}
)

// Languages returns the supported Monaco language ids, sorted. Aliases are
// accepted too but not listed.
func Languages() []string {
	ids := make([]string, 0, len(languages))
	for id := range languages {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// lookupLanguage resolves a language id or alias, case-insensitively.
// Anything unknown is plaintext: identifiers only.
func lookupLanguage(id string) *language {
	id = strings.ToLower(strings.TrimSpace(id))
	if l, ok := languages[id]; ok {
		return l
	}
	if canonical, ok := aliases[id]; ok {
		return languages[canonical]
	}
	return plaintext
}

// register adds a language, dropping repeated keywords and snippet labels
// (the first wins) so labels are unique per kind.
func register(l *language, keywordGroups [][]string, snippetGroups [][]snippet) {
	l.keywordSet = map[string]struct{}{}
	for _, group := range keywordGroups {
		for _, k := range group {
			key := k
			if l.caseInsensitive {
				key = strings.ToUpper(k)
			}
			if _, dup := l.keywordSet[key]; dup {
				continue
			}
			l.keywordSet[key] = struct{}{}
			l.keywords = append(l.keywords, key)
			if l.caseInsensitive {
				l.keywordsLower = append(l.keywordsLower, strings.ToLower(k))
			}
		}
	}
	seen := map[string]bool{}
	for _, group := range snippetGroups {
		for _, s := range group {
			if !seen[s.label] {
				seen[s.label] = true
				l.snippets = append(l.snippets, s)
			}
		}
	}
	if l.ident == nil {
		l.ident = identASCII
	}
	languages[l.id] = l
}

func init() {
	languages[plaintext.id] = plaintext
	register(&language{id: "go"}, [][]string{goKeywords}, [][]snippet{goSnippets})
	register(&language{id: "python"}, [][]string{pythonKeywords}, [][]snippet{pythonSnippets})
	register(&language{id: "javascript", ident: identASCIIDollar}, [][]string{jsKeywords}, [][]snippet{jsSnippets})
	register(&language{id: "typescript", ident: identASCIIDollar}, [][]string{jsKeywords, tsKeywords}, [][]snippet{tsSnippets, jsSnippets})
	register(&language{id: "java"}, [][]string{javaKeywords}, [][]snippet{javaSnippets})
	register(&language{id: "c"}, [][]string{cKeywords}, [][]snippet{cSnippets})
	register(&language{id: "cpp"}, [][]string{cKeywords, cppKeywords}, [][]snippet{cppSnippets, cSnippets})
	register(&language{id: "rust"}, [][]string{rustKeywords}, [][]snippet{rustSnippets})
	register(&language{id: "sql", caseInsensitive: true}, [][]string{sqlKeywords}, [][]snippet{sqlSnippets})
}

var goKeywords = []string{
	"break", "case", "chan", "const", "continue", "default", "defer", "else",
	"fallthrough", "for", "func", "go", "goto", "if", "import", "interface",
	"map", "package", "range", "return", "select", "struct", "switch", "type", "var",
	"true", "false", "nil", "iota",
	"any", "bool", "byte", "comparable", "error", "float32", "float64", "int",
	"int8", "int16", "int32", "int64", "rune", "string", "uint", "uint8",
	"uint16", "uint32", "uint64", "uintptr",
	"append", "cap", "clear", "close", "copy", "delete", "len", "make", "max",
	"min", "new", "panic", "print", "println", "recover",
}

var goSnippets = []snippet{
	{"for", "for ${1:i} := 0; $1 < ${2:n}; $1++ {\n\t$0\n}", "for i := 0; i < n; i++"},
	{"forr", "for ${1:_}, ${2:v} := range ${3:xs} {\n\t$0\n}", "for range"},
	{"func", "func ${1:name}(${2}) ${3:error} {\n\t$0\n}", "function"},
	{"meth", "func (${1:r} ${2:*T}) ${3:Name}(${4}) ${5:error} {\n\t$0\n}", "method"},
	{"if", "if ${1:cond} {\n\t$0\n}", "if statement"},
	{"iferr", "if err != nil {\n\treturn ${1:err}\n}", "if err != nil"},
	{"switch", "switch ${1:x} {\ncase ${2:v}:\n\t$0\n}", "switch statement"},
	{"select", "select {\ncase ${1:v} := <-${2:ch}:\n\t$0\n}", "select statement"},
	{"struct", "type ${1:Name} struct {\n\t$0\n}", "struct type"},
	{"interface", "type ${1:Name} interface {\n\t$0\n}", "interface type"},
	{"main", "func main() {\n\t$0\n}", "main function"},
	{"test", "func Test${1:Name}(t *testing.T) {\n\t$0\n}", "test function"},
	{"errorf", "fmt.Errorf(\"${1:context}: %w\", ${2:err})", "wrap an error"},
}

var pythonKeywords = []string{
	"False", "None", "True", "and", "as", "assert", "async", "await", "break",
	"class", "continue", "def", "del", "elif", "else", "except", "finally",
	"for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
	"not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
	"match", "case", "self",
	"print", "len", "range", "enumerate", "zip", "dict", "list", "set", "tuple",
	"str", "int", "float", "bool", "isinstance", "super", "open",
}

var pythonSnippets = []snippet{
	{"def", "def ${1:name}(${2}):\n\t${0:pass}", "function"},
	{"defm", "def ${1:name}(self${2}):\n\t${0:pass}", "method"},
	{"class", "class ${1:Name}:\n\tdef __init__(self${2}):\n\t\t${0:pass}", "class"},
	{"if", "if ${1:cond}:\n\t${0:pass}", "if statement"},
	{"for", "for ${1:item} in ${2:items}:\n\t${0:pass}", "for loop"},
	{"while", "while ${1:cond}:\n\t${0:pass}", "while loop"},
	{"try", "try:\n\t${1:pass}\nexcept ${2:Exception} as ${3:e}:\n\t${0:raise}", "try/except"},
	{"with", "with ${1:expr} as ${2:name}:\n\t${0:pass}", "with statement"},
	{"ifmain", "if __name__ == \"__main__\":\n\t${0:main()}", "if __name__ == \"__main__\""},
	{"lambda", "lambda ${1:x}: ${0:x}", "lambda"},
}

var jsKeywords = []string{
	"async", "await", "break", "case", "catch", "class", "const", "continue",
	"debugger", "default", "delete", "do", "else", "export", "extends",
	"finally", "for", "function", "if", "import", "in", "instanceof", "let",
	"new", "of", "return", "super", "switch", "this", "throw", "try", "typeof",
	"var", "void", "while", "with", "yield",
	"true", "false", "null", "undefined", "console", "document", "window",
}

var jsSnippets = []snippet{
	{"function", "function ${1:name}(${2}) {\n\t$0\n}", "function declaration"},
	{"arrow", "const ${1:name} = (${2}) => {\n\t$0\n};", "arrow function"},
	{"console.log", "console.log(${1});", "console.log"},
	{"for", "for (let ${1:i} = 0; $1 < ${2:items}.length; $1++) {\n\t$0\n}", "for loop"},
	{"forof", "for (const ${1:item} of ${2:items}) {\n\t$0\n}", "for...of loop"},
	{"forin", "for (const ${1:key} in ${2:object}) {\n\t$0\n}", "for...in loop"},
	{"if", "if (${1:cond}) {\n\t$0\n}", "if statement"},
	{"ifelse", "if (${1:cond}) {\n\t$2\n} else {\n\t$0\n}", "if/else"},
	{"try", "try {\n\t$1\n} catch (${2:err}) {\n\t$0\n}", "try/catch"},
	{"class", "class ${1:Name} {\n\tconstructor(${2}) {\n\t\t$0\n\t}\n}", "class"},
	{"import", "import { $2 } from '${1:module}';", "import"},
	{"switch", "switch (${1:x}) {\n\tcase ${2:v}:\n\t\t$0\n\t\tbreak;\n}", "switch statement"},
	{"promise", "new Promise((resolve, reject) => {\n\t$0\n})", "new Promise"},
}

var tsKeywords = []string{
	"abstract", "any", "as", "boolean", "declare", "enum", "implements",
	"interface", "is", "keyof", "namespace", "never", "number", "private",
	"protected", "public", "readonly", "satisfies", "string", "type", "unknown",
}

var tsSnippets = []snippet{
	{"function", "function ${1:name}(${2}): ${3:void} {\n\t$0\n}", "function declaration"},
	{"arrow", "const ${1:name} = (${2}): ${3:void} => {\n\t$0\n};", "arrow function"},
	{"interface", "interface ${1:Name} {\n\t$0\n}", "interface"},
	{"type", "type ${1:Name} = ${0};", "type alias"},
	{"enum", "enum ${1:Name} {\n\t$0\n}", "enum"},
}

var javaKeywords = []string{
	"abstract", "assert", "boolean", "break", "byte", "case", "catch", "char",
	"class", "continue", "default", "do", "double", "else", "enum", "extends",
	"final", "finally", "float", "for", "if", "implements", "import",
	"instanceof", "int", "interface", "long", "new", "package", "private",
	"protected", "public", "record", "return", "short", "static", "super",
	"switch", "synchronized", "this", "throw", "throws", "try", "var", "void",
	"volatile", "while", "true", "false", "null", "String", "Override",
}

var javaSnippets = []snippet{
	{"main", "public static void main(String[] args) {\n\t$0\n}", "main method"},
	{"sout", "System.out.println(${1});", "System.out.println"},
	{"for", "for (int ${1:i} = 0; $1 < ${2:n}; $1++) {\n\t$0\n}", "for loop"},
	{"foreach", "for (${1:var} ${2:item} : ${3:items}) {\n\t$0\n}", "enhanced for loop"},
	{"if", "if (${1:cond}) {\n\t$0\n}", "if statement"},
	{"class", "public class ${1:Name} {\n\t$0\n}", "class"},
	{"try", "try {\n\t$1\n} catch (${2:Exception} ${3:e}) {\n\t$0\n}", "try/catch"},
}

var cKeywords = []string{
	"auto", "break", "case", "char", "const", "continue", "default", "do",
	"double", "else", "enum", "extern", "float", "for", "goto", "if", "inline",
	"int", "long", "register", "restrict", "return", "short", "signed",
	"sizeof", "static", "struct", "switch", "typedef", "union", "unsigned",
	"void", "volatile", "while", "NULL", "bool", "true", "false",
	"size_t", "printf", "malloc", "free",
}

var cSnippets = []snippet{
	{"main", "int main(int argc, char *argv[]) {\n\t$0\n\treturn 0;\n}", "main function"},
	{"for", "for (int ${1:i} = 0; $1 < ${2:n}; $1++) {\n\t$0\n}", "for loop"},
	{"if", "if (${1:cond}) {\n\t$0\n}", "if statement"},
	{"while", "while (${1:cond}) {\n\t$0\n}", "while loop"},
	{"struct", "typedef struct ${1:name} {\n\t$0\n} $1;", "typedef struct"},
	{"printf", "printf(\"${1:%s}\\n\"${2});", "printf"},
	{"switch", "switch (${1:x}) {\ncase ${2:v}:\n\t$0\n\tbreak;\n}", "switch statement"},
}

var cppKeywords = []string{
	"alignas", "alignof", "catch", "class", "concept", "constexpr",
	"const_cast", "decltype", "delete", "dynamic_cast", "explicit", "export",
	"friend", "mutable", "namespace", "new", "noexcept", "nullptr", "operator",
	"override", "private", "protected", "public", "reinterpret_cast",
	"requires", "static_assert", "static_cast", "template", "this", "throw",
	"try", "typename", "using", "virtual", "std", "auto",
}

var cppSnippets = []snippet{
	{"forr", "for (auto& ${1:x} : ${2:xs}) {\n\t$0\n}", "range-based for"},
	{"class", "class ${1:Name} {\npublic:\n\t${1}();\n\t$0\n};", "class"},
	{"cout", "std::cout << ${1} << std::endl;", "std::cout"},
	{"namespace", "namespace ${1:name} {\n$0\n}", "namespace"},
	{"try", "try {\n\t$1\n} catch (const ${2:std::exception}& ${3:e}) {\n\t$0\n}", "try/catch"},
}

var rustKeywords = []string{
	"as", "async", "await", "break", "const", "continue", "crate", "dyn",
	"else", "enum", "extern", "false", "fn", "for", "if", "impl", "in", "let",
	"loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
	"Self", "static", "struct", "super", "trait", "true", "type", "unsafe",
	"use", "where", "while",
	"Some", "None", "Ok", "Err", "Option", "Result", "String", "Vec", "Box",
}

var rustSnippets = []snippet{
	{"fn", "fn ${1:name}(${2}) {\n\t$0\n}", "function"},
	{"main", "fn main() {\n\t$0\n}", "main function"},
	{"for", "for ${1:x} in ${2:iter} {\n\t$0\n}", "for loop"},
	{"match", "match ${1:expr} {\n\t${2:_} => $0,\n}", "match expression"},
	{"iflet", "if let ${1:Some(x)} = ${2:expr} {\n\t$0\n}", "if let"},
	{"impl", "impl ${1:Type} {\n\t$0\n}", "impl block"},
	{"struct", "struct ${1:Name} {\n\t$0\n}", "struct"},
	{"test", "#[test]\nfn ${1:name}() {\n\t$0\n}", "test function"},
	{"println", "println!(\"${1}\");", "println!"},
}

var sqlKeywords = []string{
	"SELECT", "FROM", "WHERE", "INSERT", "INTO", "VALUES", "UPDATE", "SET",
	"DELETE", "CREATE", "TABLE", "DROP", "ALTER", "ADD", "COLUMN", "INDEX",
	"PRIMARY", "KEY", "FOREIGN", "REFERENCES", "JOIN", "INNER", "LEFT",
	"RIGHT", "FULL", "OUTER", "CROSS", "ON", "AS", "AND", "OR", "NOT", "NULL",
	"IS", "IN", "BETWEEN", "LIKE", "EXISTS", "GROUP", "BY", "ORDER", "HAVING",
	"LIMIT", "OFFSET", "DISTINCT", "UNION", "ALL", "CASE", "WHEN", "THEN",
	"ELSE", "END", "COUNT", "SUM", "AVG", "MIN", "MAX", "ASC", "DESC",
	"DEFAULT", "UNIQUE", "CHECK", "CONSTRAINT", "VIEW", "WITH", "RETURNING",
	"BEGIN", "COMMIT", "ROLLBACK", "TRANSACTION", "INTEGER", "TEXT", "VARCHAR",
	"BOOLEAN", "TIMESTAMP",
}

var sqlSnippets = []snippet{
	{"SELECT", "SELECT ${1:*}\nFROM ${2:table}\nWHERE ${3:condition};", "SELECT … FROM … WHERE"},
	{"INSERT", "INSERT INTO ${1:table} (${2:columns})\nVALUES (${3:values});", "INSERT INTO … VALUES"},
	{"UPDATE", "UPDATE ${1:table}\nSET ${2:column} = ${3:value}\nWHERE ${4:condition};", "UPDATE … SET … WHERE"},
	{"DELETE", "DELETE FROM ${1:table}\nWHERE ${2:condition};", "DELETE FROM … WHERE"},
	{"CREATE TABLE", "CREATE TABLE ${1:name} (\n\t${2:id} ${3:INTEGER} PRIMARY KEY,\n\t$0\n);", "CREATE TABLE"},
	{"JOIN", "JOIN ${1:table} ON ${2:a}.${3:id} = ${4:b}.${5:id}", "JOIN … ON"},
}
