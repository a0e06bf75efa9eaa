# syntax=docker/dockerfile:1

# builder: downloads the dependencies from the build file first (reused until it
# changes), then builds the jar with mvn and splits it into layers; the JDK, build tool
# and sources stay here.
FROM maven:3-eclipse-temurin-21 AS builder
WORKDIR /app
COPY pom.xml ./
RUN --mount=type=cache,target=/root/.m2 mvn -B dependency:go-offline
COPY . .
RUN --mount=type=cache,target=/root/.m2 mvn package -DskipTests
RUN java -Djarmode=tools -jar /app/target/app.jar extract --layers --destination /layers \
    && mkdir -p /layers/dependencies /layers/spring-boot-loader /layers/snapshot-dependencies /layers/application

# runtime: only a Java 21 runtime and the jar's layers (dependencies first, the
# application last, so a code change only replaces the last layer): no JDK, build tool,
# local repository or sources.
FROM gcr.io/distroless/java21-debian12 AS runtime
WORKDIR /app
COPY --from=builder /layers/dependencies/ ./target/
COPY --from=builder /layers/spring-boot-loader/ ./target/
COPY --from=builder /layers/snapshot-dependencies/ ./target/
COPY --from=builder /layers/application/ ./target/
EXPOSE 8080
USER nonroot
ENTRYPOINT ["java", "-jar", "target/app.jar"]
