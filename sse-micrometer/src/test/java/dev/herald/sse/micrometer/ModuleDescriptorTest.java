package dev.herald.sse.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleDescriptor.Exports;
import java.lang.module.ModuleDescriptor.Requires;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The compiled {@code module-info} exports the one API package, and needs Micrometer only where it is present. */
class ModuleDescriptorTest {

  @Test
  void exportsExactlyTheApiPackageToEveryone() {
    assertThat(descriptor().exports()).noneMatch(Exports::isQualified)
        .extracting(Exports::source).containsExactly("dev.herald.sse.micrometer");
  }

  @Test
  void readsMicrometerStaticallyForItIsTheApplicationsToBring() {
    assertThat(descriptor().requires()).filteredOn(requires -> requires.name().equals("micrometer.core"))
        .singleElement().satisfies(requires -> assertThat(requires.modifiers())
            .contains(Requires.Modifier.STATIC, Requires.Modifier.TRANSITIVE));
  }

  /** Read from the compiled classes: tests run on the class path, where this module is unnamed. */
  private static ModuleDescriptor descriptor() {
    Path classes = Path.of("target", "classes");
    return ModuleFinder.of(classes).find("dev.herald.sse.micrometer").map(ModuleReference::descriptor)
        .orElseThrow(() -> new AssertionError("no module dev.herald.sse.micrometer in " + classes.toAbsolutePath()));
  }
}
