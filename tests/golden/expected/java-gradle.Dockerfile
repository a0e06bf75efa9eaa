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
FROM gcr.io/distroless/java17-debian12 AS runtime
WORKDIR /home/gradle/project
COPY --from=builder /home/gradle/project/build/libs/orders.jar ./build/libs/orders.jar
EXPOSE 8080
USER nonroot
CMD ["java", "-jar", "build/libs/orders.jar"]
