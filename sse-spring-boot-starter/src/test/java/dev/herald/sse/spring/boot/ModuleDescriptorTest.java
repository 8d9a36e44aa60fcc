package dev.herald.sse.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleDescriptor.Exports;
import java.lang.module.ModuleDescriptor.Requires;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The compiled {@code module-info} exports the one package, and needs only what every Boot application has. */
class ModuleDescriptorTest {

  @Test
  void exportsExactlyTheAutoConfigurationPackageToEveryone() {
    assertThat(descriptor().exports()).noneMatch(Exports::isQualified)
        .extracting(Exports::source).containsExactly("dev.herald.sse.spring.boot");
  }

  @Test
  void readsTheOptionalModulesStatically() {
    assertThat(descriptor().requires()).filteredOn(requires -> requires.name().startsWith("spring.")
            || requires.name().equals("micrometer.core") || requires.name().equals("dev.herald.sse.redis"))
        .hasSize(12).allSatisfy(requires -> assertThat(requires.modifiers()).contains(Requires.Modifier.STATIC));
  }

  /** Read from the compiled classes: tests run on the class path, where this module is unnamed. */
  private static ModuleDescriptor descriptor() {
    Path classes = Path.of("target", "classes");
    return ModuleFinder.of(classes).find("dev.herald.sse.spring.boot").map(ModuleReference::descriptor)
        .orElseThrow(() -> new AssertionError("no module dev.herald.sse.spring.boot in " + classes.toAbsolutePath()));
  }
}
