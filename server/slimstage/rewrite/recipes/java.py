"""Java (Maven, Gradle): dependencies resolved from the build files, a JRE runtime.

builder: the build file first and its dependencies downloaded (reused until it changes),
then the original package command; a Spring Boot 3.3+ jar is extracted into layers
(dependencies change rarely, the application often). runtime: a JRE (distroless Java,
eclipse-temurin JRE, or its Alpine variant) with the jar or its layers, at the path the
original ENTRYPOINT/CMD uses.
"""

from __future__ import annotations

import posixpath
import re
from typing import Optional

from ...settings import Settings
from ..facts import Cmd, SourceFacts
from ..project import ProjectFiles
from .common import (
    Decline,
    Plan,
    StageSpec,
    command_lines,
    copy_from,
    envs_before,
    healthcheck,
    image_copy_split,
    meta_lines,
    original_user,
    os_install,
    run,
    source_copy_lines,
    stage_prelude,
    unprivileged_user,
    workdir_line,
)
from .go import BASH_TCP_PROBE
from .scan import scan_stage

LAYERS = ("dependencies", "spring-boot-loader", "snapshot-dependencies", "application")
LAYER_DIR = "/layers"
DISTROLESS_JAVA = ("17", "21")


# Java versions Eclipse Temurin publishes JRE images for (eclipse-temurin:<v>-jre).
TEMURIN_JRE = ("8", "11", "16", "17", "18", "19", "20", "21", "22", "23", "24", "25")
# Java versions with no Temurin JRE whose last ``openjdk`` slim image is known, by its explicit
# version tag. The openjdk image is deprecated (docker-library/docs#2162, 2022) and its moving
# tags (``14-slim``, ``14-jdk-slim``) were deleted from Docker Hub in November 2025
# (docker-library/openjdk#550), which kept the explicit historical versions. openjdk:14-slim
# was openjdk:14.0.2-jdk-slim-buster, built 2020-07-29, ~414 MB on disk (repo-info
# repos/openjdk/local/14-slim.md, as mirrored in maxmood96/repo-info@9802b00); gradle:jdk14
# was gradle:6.4.1-jdk14, ~714 MB (repos/gradle/local/jdk14.md, maxmood96/repo-info@0e5ae97).
OPENJDK_SLIM = {"14": "openjdk:14.0.2-jdk-slim-buster"}


def java_major(base: str, p: ProjectFiles) -> Optional[str]:
    """The Java version of the build image (``maven:3-eclipse-temurin-21`` -> 21), else the project's."""
    tag = base.rsplit(":", 1)[-1] if ":" in base.rsplit("/", 1)[-1] else ""
    for pattern in (r"(?:temurin|jdk|openjdk|java|corretto|zulu|semeru|graalvm|sapmachine)-?(\d{1,2})\b", r"^(\d{1,2})(?:[.-]|$)"):
        m = re.search(pattern, tag)
        if m and int(m.group(1)) >= 8:
            return m.group(1)
    pom = p.text("pom.xml") or ""
    m = re.search(r"<(?:java\.version|maven\.compiler\.release|maven\.compiler\.target)>\s*(\d+)\s*<", pom)
    if m:
        return m.group(1)
    gradle = (p.text("build.gradle") or "") + (p.text("build.gradle.kts") or "")
    m = re.search(r"languageVersion\s*(?:=|\.set\()\s*JavaLanguageVersion\.of\((\d+)\)", gradle)
    return m.group(1) if m else None


def spring_boot_version(p: ProjectFiles) -> Optional[tuple[int, int]]:
    pom = p.text("pom.xml") or ""
    m = re.search(r"<artifactId>spring-boot-starter-parent</artifactId>\s*<version>(\d+)\.(\d+)", pom)
    if not m:
        m = re.search(r"<spring-boot\.version>(\d+)\.(\d+)", pom)
    if not m:
        gradle = (p.text("build.gradle") or "") + (p.text("build.gradle.kts") or "")
        m = re.search(r"org\.springframework\.boot[\"')]*\s*version\s*[\"'(]*(\d+)\.(\d+)", gradle)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _jar(argv: Optional[tuple[str, ...]]) -> str:
    if not argv or argv[0].rsplit("/", 1)[-1] != "java":
        raise Decline("the container does not start with `java -jar`: cannot tell which jar to ship")
    words = list(argv)
    if "-jar" not in words or words.index("-jar") + 1 >= len(words):
        raise Decline("the container does not start with `java -jar <file>`: cannot tell which jar to ship")
    jar = words[words.index("-jar") + 1]
    if not jar.strip() or jar.startswith("-") or jar.rstrip("/") in (".", ".."):
        raise Decline(f"the container starts `java -jar` with {jar or 'an empty argument'!r} as the jar: cannot tell which jar to ship")
    if any(ch in jar for ch in "*?$"):
        raise Decline(f"the jar path {jar} is a pattern or a variable; the planner needs the file's name")
    return jar


def _context_jar(f: SourceFacts) -> str:
    """A ``COPY build/libs/*.jar app.jar`` from the build context after the build: the jar shipped is the host's."""
    build_lines = [c for c in f.commands if c.kind == "build"]
    argv = list(f.argv or ())
    if not build_lines or "-jar" not in argv or argv.index("-jar") + 1 >= len(argv):
        return ""
    runs = posixpath.normpath(posixpath.join(f.final_workdir, argv[argv.index("-jar") + 1]))
    for c in f.copies:
        if posixpath.normpath(c.dest) != runs:
            continue
        for src in c.sources:
            expanded = src
            for arg in f.stage_args:
                m = re.match(r"^ARG\s+([A-Za-z_]\w*)=(\S+)", arg)
                if m:
                    expanded = expanded.replace("${" + m.group(1) + "}", m.group(2)).replace("$" + m.group(1), m.group(2))
            if expanded.endswith(".jar") and re.search(r"(^|/)(target|build/libs)/", expanded):
                return expanded
    return ""


def _prefetch(tool_word: str, tool: str) -> str:
    if tool == "maven":
        return f"{tool_word} -B dependency:go-offline"
    return f"{tool_word} dependencies --no-daemon"


def _manifests(tool: str, tool_word: str, p: ProjectFiles) -> list[str]:
    if tool == "maven":
        files = ["pom.xml"]
        if tool_word.endswith("mvnw"):
            files += [n for n in ("mvnw", ".mvn") if p.has(n)]
            if ".mvn" in files:
                return [f"COPY {' '.join(x for x in files if x != '.mvn')} ./", "COPY .mvn ./.mvn"]
        return [f"COPY {' '.join(files)} ./"]
    found = [n for n in ("build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts", "gradle.properties") if p.has(n)]
    if not p.known:
        found = ["build.gradle*", "settings.gradle*"]
    if not found:
        raise Decline("no build.gradle in the build context")
    lines = [f"COPY {' '.join(found + (['gradlew'] if tool_word.endswith('gradlew') and p.has('gradlew') else []))} ./"]
    if tool_word.endswith("gradlew") and p.has("gradle"):
        lines.append("COPY gradle ./gradle")
    return lines


def plan_java(f: SourceFacts, s: Settings, p: ProjectFiles) -> Plan:
    notes: list[str] = []
    changes: list[str] = []
    builds: list[Cmd] = [c for c in f.commands if c.kind == "build" and c.step is not None and c.step.ecosystem == "java"]
    if not builds:
        raise Decline("no `mvn package` or `gradle build`: cannot tell how the jar is built")
    tool = builds[0].step.tool  # type: ignore[union-attr]
    tool_word = builds[0].words[0]
    ran_at = next((i.start_line for i in f.doc.stages[0].instructions if i.keyword == "RUN" and builds[0].text in f.text_of(i)), None)
    if ran_at is not None and not any(c.ins.start_line < ran_at for c in f.copies):
        manifest = "pom.xml" if tool == "maven" else "build.gradle"
        raise Decline(
            f"the original does not build: `{builds[0].text}` runs before anything is copied into the image (no {manifest} there); "
            "copy the project before the build and the planner can split it"
        )
    shipped = _context_jar(f)
    if shipped:
        raise Decline(
            f"the jar the container runs is copied from the build context ({shipped}), not the one the build makes in the image: "
            "the in-image build is unused; copy the build's jar (or drop the build) and the planner can split it"
        )
    if f.workdir == "/":
        raise Decline("the build runs in / (no WORKDIR): the planner needs a project folder")
    if any(c.kind == "user" for c in f.commands):
        raise Decline("the Dockerfile creates a user; the planner cannot tell whether the JRE image needs it")
    jar = _jar(f.argv)
    jar_abs = posixpath.normpath(posixpath.join(f.final_workdir, jar))
    major = java_major(f.base, p)
    builder_image = f.base
    ref0 = f.base_ref
    if not major and ref0.repository in ("maven", "library/maven") and not ref0.registry and ref0.tag in ("", "latest") and not ref0.digest:
        # `maven` / `maven:latest` names no JDK and moves with each release: the builder is
        # pinned to an image that names one, so the JRE below matches what compiled the jar.
        major, builder_image = "21", "maven:3-eclipse-temurin-21"
        notes.append(
            f"{f.base} names no Java version (it follows the newest Maven image): the builder is pinned to {builder_image} "
            "so the jar is compiled by the same Java version as the Java 21 runtime. Pick another tag if the project needs one."
        )
    if not major:
        raise Decline(f"cannot tell the Java version of {f.base}; use an image tag that names it (e.g. maven:3-eclipse-temurin-21)")
    legacy = OPENJDK_SLIM.get(major) if major not in TEMURIN_JRE else None
    if major not in TEMURIN_JRE and legacy is None:
        raise Decline(
            f"Java {major}: Eclipse Temurin publishes no JRE image for it (JREs exist for {', '.join(TEMURIN_JRE)}), and the planner "
            f"knows no other published Java {major} runtime smaller than {f.base}; move to an LTS version"
        )
    family = s.target_base
    if legacy is not None:
        # A JDK on Debian slim: still smaller than the build image, and the same Java version.
        if family != "slim":
            notes.append(f"target_base is {family}, but the only Java {major} runtime the planner knows is {legacy} (Debian slim).")
        family = "slim"
        notes.append(
            f"Java {major} has no Eclipse Temurin JRE: the runtime is {legacy}, the last Java {major} build of the openjdk image, "
            "which is deprecated and gets no updates (security fixes included), and is a full JDK on Debian 10. It keeps the "
            f"Java version the jar was built for; moving to an LTS Java (17, 21) gives a maintained, smaller JRE runtime."
        )
    if family == "scratch":
        notes.append("target_base is scratch, but a jar needs a JRE: using distroless Java instead.")
        family = "distroless"
    if family == "distroless" and f.contract.entrypoint is None:
        # Distroless Java images set ENTRYPOINT ["/usr/bin/java", "-jar"]: a CMD that starts
        # `java -jar` itself would run as `java -jar java -jar ...` under it.
        notes.append(f"Using eclipse-temurin:{major}-jre: the image starts `java` through CMD, and distroless Java's own ENTRYPOINT (java -jar) would be put in front of it.")
        family = "slim"
    if family == "distroless" and major not in DISTROLESS_JAVA:
        notes.append(f"Using eclipse-temurin:{major}-jre: distroless has Java {' and '.join(DISTROLESS_JAVA)} only.")
        family = "slim"
    runtime_image = legacy or {
        "distroless": f"gcr.io/distroless/java{major}-debian12",
        "alpine": f"eclipse-temurin:{major}-jre-alpine",
        "slim": f"eclipse-temurin:{major}-jre",
    }[family]
    boot = spring_boot_version(p)
    layered = boot is not None and boot >= (3, 3)
    if boot is not None and not layered:
        notes.append(f"Spring Boot {boot[0]}.{boot[1]} predates the `tools` jar mode (3.3): the jar is copied whole, not in layers.")

    builder = stage_prelude(f) + envs_before(f, "os")
    os_line = os_install(f.os_manager, list(f.os_packages), s)
    if os_line:
        builder.append(os_line)
    tool_copies, runtime_copies = image_copy_split(f)
    builder += envs_before(f, "tool") + tool_copies + [run(c.text, s) for c in f.of_kind("tool")]
    builder.append(workdir_line(f.workdir) or "")
    builder += envs_before(f, "deps", "copy") + _manifests(tool, tool_word, p)
    cache = "gradle-image" if tool == "gradle" and f.base_ref.name == "gradle" else tool
    builder.append(run(_prefetch(tool_word, tool), s, cache))
    builder += source_copy_lines(f) + envs_before(f, "build")
    for c in f.of_kind("build", "script"):
        builder.append(run(c.text, s, cache))
    jar_dir = posixpath.dirname(jar_abs)
    if layered:
        mkdirs = " ".join(f"{LAYER_DIR}/{layer}" for layer in LAYERS)
        builder.append(
            f"RUN java -Djarmode=tools -jar {jar_abs} extract --layers --destination {LAYER_DIR} \\\n    && mkdir -p {mkdirs}"
        )

    runtime = stage_prelude(f)
    user = original_user(f)
    create, new_user = unprivileged_user("distroless" if family == "distroless" else ("alpine" if family == "alpine" else "debian"))
    if not user:
        runtime += create
    runtime.append(workdir_line(f.final_workdir) or "")
    runtime += meta_lines(f, ("ENV", "LABEL", "MAINTAINER"))
    dest_dir = posixpath.relpath(jar_dir, f.final_workdir) if jar_dir.startswith(f.final_workdir) else jar_dir
    dest = "./" if dest_dir == "." else (dest_dir if dest_dir.startswith("/") else f"./{dest_dir}") + "/"
    if layered:
        for layer in LAYERS:
            runtime.append(copy_from("builder", f"{LAYER_DIR}/{layer}/", dest))
    else:
        runtime.append(copy_from("builder", jar_abs, posixpath.join(dest, posixpath.basename(jar_abs))))
    runtime += runtime_copies + meta_lines(f, ("EXPOSE", "VOLUME", "STOPSIGNAL"))
    if user:
        runtime.append(f"USER {user}")
    else:
        runtime.append(f"USER {new_user}")
        changes.append(f"USER {new_user}: the JVM no longer runs as root.")
    runtime += healthcheck(f, s, BASH_TCP_PROBE if family == "slim" else None, notes)
    runtime += command_lines(f)

    what = "the jar's layers (dependencies first, the application last, so a code change only replaces the last layer)" if layered else "the jar"
    stages = [
        StageSpec(
            "builder",
            builder_image,
            [x for x in builder if x],
            f"downloads the dependencies from the build file first (reused until it changes), then builds the jar with {tool_word}"
            + (" and splits it into layers" if layered else "")
            + "; the JDK, build tool and sources stay here.",
        )
    ]
    scan = scan_stage(f, s, stages, runtime_image, [("builder", jar_abs)], notes, 3)
    if scan is not None:
        stages.append(scan)
    stages.append(
        StageSpec(
            "runtime",
            runtime_image,
            [x for x in runtime if x],
            f"only a Java {major} runtime and {what}: no "
            + ("" if legacy else "JDK, ")
            + "build tool, local repository or sources.",
        )
    )
    summary = (
        f"Split into {', '.join(st.name for st in stages)}: dependencies download once per change of the build file, "
        f"and only {what} ships on {runtime_image} instead of {f.base}."
    )
    return Plan(stages, summary, changes, notes)
