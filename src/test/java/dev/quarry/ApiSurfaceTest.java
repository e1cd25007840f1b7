package dev.quarry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public API is what this test lists: a type made public outside {@code dev.quarry.internal}
 * fails it, so a newcomer finds the API in three packages and the rest is free to change. Adding
 * to the list is a decision about the API, made here on purpose.
 */
class ApiSurfaceTest {
    static final Set<String> API = Set.of(
            "dev.quarry.Quarry",
            "dev.quarry.NodeBuilder",
            "dev.quarry.QueueOptions",
            "dev.quarry.ScheduleOptions",
            "dev.quarry.QuarryNode",
            "dev.quarry.QuarryException",
            "dev.quarry.client.QuarryClient",
            "dev.quarry.client.NewJob",
            "dev.quarry.client.NewJob$Builder",
            "dev.quarry.client.DuplicateJobException",
            "dev.quarry.handler.JobHandler",
            "dev.quarry.handler.JobContext",
            "dev.quarry.handler.ProgressSink",
            "dev.quarry.handler.Outcome",
            "dev.quarry.handler.Outcome$Done",
            "dev.quarry.handler.Outcome$Failed",
            "dev.quarry.handler.Outcome$PermanentFailure",
            "dev.quarry.handler.Outcome$Later");

    @Test
    void the_public_types_outside_the_internal_packages_are_the_api_and_nothing_more() throws Exception {
        Path classes = Path.of(Quarry.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Set<String> found = new TreeSet<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                String name = classes.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                if (name.startsWith("dev.quarry.internal.") || name.endsWith("package-info")) continue;
                Class<?> c = Class.forName(name, false, getClass().getClassLoader());
                if (c.isAnonymousClass() || c.isSynthetic()) continue;
                if (publicFromOutside(c)) found.add(name);
            }
        }
        assertThat(found).as("public types outside dev.quarry.internal (the API) in %s", classes).containsExactlyInAnyOrderElementsOf(API);
    }

    /** Public, and so are all the types it is nested in. */
    private static boolean publicFromOutside(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
            if (!Modifier.isPublic(k.getModifiers())) return false;
        }
        return true;
    }

    @Test
    void only_the_api_packages_hold_classes_outside_internal() throws IOException, URISyntaxException {
        Path classes = Path.of(Quarry.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> files = Files.walk(classes.resolve("dev/quarry"))) {
            files.filter(p -> p.toString().endsWith(".class")).map(p -> classes.relativize(p.getParent()).toString().replace('/', '.'))
                    .filter(p -> !p.startsWith("dev.quarry.internal")).forEach(packages::add);
        }
        assertThat(packages).containsExactlyInAnyOrder("dev.quarry", "dev.quarry.client", "dev.quarry.handler");
    }
}
