package dev.herald.sse.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The hand-written configuration metadata (what IDEs complete and document) names every {@code herald.sse.*}
 * property that {@link HeraldSseProperties} binds, and no other, each with a type and a description.
 */
class ConfigurationMetadataTest {

  @Test
  void describesEveryBoundPropertyAndNoOther() throws Exception {
    Set<String> described = new TreeSet<>();
    for (Map<String, String> property : properties()) {
      String name = property.get("name");
      assertThat(property.get("description")).as(name).isNotBlank();
      assertThat(property.get("type")).as(name).isNotBlank();
      if (name.startsWith("herald.sse.")) {
        described.add(name);
      }
    }
    assertThat(described).isEqualTo(bound("herald.sse", HeraldSseProperties.class));
  }

  /** The properties' entries, each a map of its string fields (name, type, description, sourceType). */
  private static List<Map<String, String>> properties() throws Exception {
    String json;
    try (InputStream in = ConfigurationMetadataTest.class.getResourceAsStream(
        "/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("the metadata file").isNotNull();
      json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    // Flat objects of string, boolean and number fields, in the "properties" array before "hints".
    String section = json.substring(json.indexOf("\"properties\""), json.indexOf("\"hints\""));
    List<Map<String, String>> properties = new ArrayList<>();
    Matcher object = Pattern.compile("\\{[^{}]*\\}").matcher(section);
    while (object.find()) {
      Map<String, String> fields = new HashMap<>();
      Matcher field = Pattern.compile("\"(\\w+)\": \"((?:[^\"\\\\]|\\\\.)*)\"").matcher(object.group());
      while (field.find()) {
        fields.put(field.group(1), field.group(2));
      }
      properties.add(fields);
    }
    assertThat(properties).as("entries read").hasSizeGreaterThan(10);
    return properties;
  }

  /** The names Spring binds: a setter is a property; a getter without one, of a nested type, is a group. */
  private static Set<String> bound(String prefix, Class<?> type) throws Exception {
    Set<String> names = new TreeSet<>();
    for (PropertyDescriptor property : Introspector.getBeanInfo(type, Object.class).getPropertyDescriptors()) {
      String name = prefix + "." + kebab(property.getName());
      if (property.getWriteMethod() != null) {
        names.add(name);
      } else if (property.getPropertyType().getEnclosingClass() == HeraldSseProperties.class) {
        names.addAll(bound(name, property.getPropertyType()));
      }
    }
    return names;
  }

  private static String kebab(String camel) {
    List<String> parts = new ArrayList<>();
    StringBuilder part = new StringBuilder();
    for (char c : camel.toCharArray()) {
      if (Character.isUpperCase(c)) {
        parts.add(part.toString());
        part.setLength(0);
      }
      part.append(Character.toLowerCase(c));
    }
    parts.add(part.toString());
    return String.join("-", parts);
  }
}
