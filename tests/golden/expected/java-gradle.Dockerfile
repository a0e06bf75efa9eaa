# syntax=docker/dockerfile:1

# builder: downloads the dependencies from the build file first (reused until it
# changes), then builds the jar with gradle; the JDK, build tool and sources stay here.
FROM gradle:8.14-jdk17 AS builder
WORKDIR /home/gradle/project
COPY build.gradle settings.gradle ./
RUN --mount=type=cache,target=/home/gradle/.gradle gradle dependencies --no-daemon
COPY . .
RUN --mount=type=cache,target=/home/gradle/.gradle gradle bootJar --no-daemon

# runtime: only a Java 17 runtime and the jar: no JDK, build tool, local repository or
# sources.
FROM eclipse-temurin:17-jre AS runtime
RUN useradd --system --create-home --uid 10001 app
WORKDIR /home/gradle/project
COPY --from=builder /home/gradle/project/build/libs/orders.jar ./build/libs/orders.jar
EXPOSE 8080
USER app
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080"]
CMD ["java", "-jar", "build/libs/orders.jar"]
