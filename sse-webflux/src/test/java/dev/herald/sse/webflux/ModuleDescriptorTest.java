package dev.herald.sse.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleDescriptor.Exports;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The compiled {@code module-info} exports the API package alone; {@code internal} stays in the module, hidden. */
class ModuleDescriptorTest {

  @Test
  void exportsExactlyTheApiPackagesToEveryone() {
    assertThat(descriptor().exports()).noneMatch(Exports::isQualified)
        .extracting(Exports::source).containsExactlyInAnyOrder("dev.herald.sse.webflux");
  }

  @Test
  void exportsNoInternalPackage() {
    assertThat(descriptor().exports()).extracting(Exports::source).noneMatch(name -> name.contains("internal"));
  }

  @Test
  void keepsTheInternalPackageInsideTheModule() {
    assertThat(descriptor().packages()).contains("dev.herald.sse.webflux.internal");
  }

  /** Read from the compiled classes: tests run on the class path, where this module is unnamed. */
  private static ModuleDescriptor descriptor() {
    Path classes = Path.of("target", "classes");
    return ModuleFinder.of(classes).find("dev.herald.sse.webflux").map(ModuleReference::descriptor)
        .orElseThrow(() -> new AssertionError("no module dev.herald.sse.webflux in " + classes.toAbsolutePath()));
  }
}
