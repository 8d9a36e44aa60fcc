package dev.herald.sse.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleDescriptor.Exports;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The compiled {@code module-info} exports the API package to everyone; {@code internal} only to Herald's WebFlux
 * transport, which shares it.
 */
class ModuleDescriptorTest {

  @Test
  void exportsExactlyTheApiPackagesToEveryone() {
    assertThat(descriptor().exports()).filteredOn(exports -> !exports.isQualified())
        .extracting(Exports::source).containsExactlyInAnyOrder("dev.herald.sse.netty");
  }

  @Test
  void exportsTheInternalPackageToTheWebFluxTransportAlone() {
    assertThat(descriptor().exports()).filteredOn(Exports::isQualified)
        .singleElement()
        .satisfies(exports -> {
          assertThat(exports.source()).isEqualTo("dev.herald.sse.netty.internal");
          assertThat(exports.targets()).containsExactly("dev.herald.sse.webflux");
        });
  }

  @Test
  void keepsTheInternalPackageInsideTheModule() {
    assertThat(descriptor().packages()).contains("dev.herald.sse.netty.internal");
  }

  /** Read from the compiled classes: tests run on the class path, where this module is unnamed. */
  private static ModuleDescriptor descriptor() {
    Path classes = Path.of("target", "classes");
    return ModuleFinder.of(classes).find("dev.herald.sse.netty").map(ModuleReference::descriptor)
        .orElseThrow(() -> new AssertionError("no module dev.herald.sse.netty in " + classes.toAbsolutePath()));
  }
}
