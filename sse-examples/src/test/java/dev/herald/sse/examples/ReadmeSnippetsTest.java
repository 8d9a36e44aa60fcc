package dev.herald.sse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles every Java snippet of the README as written, against the jars a user would have, so that a snippet
 * that lost an import or calls a method that is gone fails the build.
 *
 * <p>A snippet is compiled as its own file: its {@code import} lines at the top, then a class holding the rest,
 * as members when the snippet declares types and as the body of a method otherwise. The objects a snippet uses
 * without making them (the {@code broadcaster} of a section, a handler's {@code ctx}) are declared by an HTML
 * comment right before the block, which a reader of the rendered README does not see:
 * {@code <!-- snippet-context: Broadcaster broadcaster; -->}, with the imports those declarations need as
 * {@code <!-- snippet-context: import dev.herald.sse.Broadcaster; Broadcaster broadcaster; -->}.
 */
class ReadmeSnippetsTest {
  private static final Pattern BLOCK = Pattern.compile(
      "(?:<!-- snippet-context:(?<context>[^>]*)-->\\s*\\n)?```java\\n(?<code>.*?)```", Pattern.DOTALL);
  private static final Pattern TYPE_DECLARATION = Pattern.compile(
      "^(?:@\\w+(?:\\([^)]*\\))?\\s+)*(?:public\\s+|final\\s+|abstract\\s+|static\\s+)*(?:class|record|interface)\\s",
      Pattern.MULTILINE);

  @TempDir
  Path out;

  @TestFactory
  Stream<DynamicTest> everyJavaSnippetOfTheReadmeCompiles() throws IOException {
    String readme = Files.readString(readme(), StandardCharsets.UTF_8);
    List<DynamicTest> tests = new ArrayList<>();
    Matcher block = BLOCK.matcher(readme);
    while (block.find()) {
      int line = (int) readme.substring(0, block.start("code")).lines().count();
      String context = block.group("context");
      String code = block.group("code");
      tests.add(DynamicTest.dynamicTest("README.md line " + line,
          () -> assertCompiles("Snippet" + line, context == null ? "" : context, code, line)));
    }
    assertThat(tests).as("Java snippets in README.md").hasSizeGreaterThan(5);
    return tests.stream();
  }

  private void assertCompiles(String name, String context, String code, int line) throws IOException {
    StringBuilder imports = new StringBuilder();
    StringBuilder declarations = new StringBuilder();
    for (String part : splitOutsideBraces(context)) {
      String trimmed = part.strip();
      if (trimmed.startsWith("import ")) {
        imports.append(trimmed).append(";\n");
      } else if (trimmed.endsWith("}")) {
        declarations.append("  ").append(trimmed).append("\n");
      } else if (!trimmed.isEmpty()) {
        declarations.append("  ").append(trimmed).append(";\n");
      }
    }
    StringBuilder body = new StringBuilder();
    for (String codeLine : code.split("\n", -1)) {
      if (codeLine.startsWith("import ")) {
        imports.append(codeLine).append('\n');
      } else {
        body.append(codeLine).append('\n');
      }
    }
    boolean declaresTypes = TYPE_DECLARATION.matcher(body).find();
    String source = "package readme;\n" + imports
        + "@SuppressWarnings(\"all\")\nabstract class " + name + " {\n" + declarations
        + (declaresTypes ? body : "  void snippet() throws Exception {\n" + body + "  }\n") + "}\n";
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, Locale.ROOT,
        StandardCharsets.UTF_8)) {
      JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///readme/" + name + ".java"),
          JavaFileObject.Kind.SOURCE) {
        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
          return source;
        }
      };
      List<String> options = List.of("--release", "17", "-proc:none", "-classpath", classpath(),
          "-d", out.toString());
      StringWriter output = new StringWriter();
      boolean compiled = compiler.getTask(output, files, diagnostics, options, null, List.of(file)).call();
      StringBuilder errors = new StringBuilder();
      for (Diagnostic<? extends JavaFileObject> diagnostic : diagnostics.getDiagnostics()) {
        if (diagnostic.getKind() == Diagnostic.Kind.ERROR) {
          errors.append(diagnostic.getMessage(Locale.ROOT)).append('\n');
        }
      }
      assertThat(compiled)
          .as("the snippet at README.md line %d compiles; errors:%n%s%nas compiled:%n%s", line, errors, source)
          .isTrue();
    }
  }

  /** Splits a context on the semicolons that end its declarations, not on those inside a type's braces. */
  private static List<String> splitOutsideBraces(String context) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < context.length(); i++) {
      char c = context.charAt(i);
      if (c == '{') {
        depth++;
      } else if (c == '}') {
        depth--;
        if (depth == 0) {
          parts.add(context.substring(start, i + 1));
          start = i + 1;
        }
      } else if (c == ';' && depth == 0) {
        parts.add(context.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(context.substring(start));
    return parts;
  }

  /** The test class path: surefire hands it over in a property, since its own class path is a manifest jar. */
  private static String classpath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
  }

  private static Path readme() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path readme = dir.resolve("README.md");
      if (Files.exists(readme) && Files.exists(dir.resolve("sse-examples"))) {
        return readme;
      }
    }
    throw new IllegalStateException("README.md not found above " + Path.of("").toAbsolutePath());
  }
}
