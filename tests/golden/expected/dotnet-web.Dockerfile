# syntax=docker/dockerfile:1

# builder: restores NuGet packages from the project files first (reused until they
# change), then publishes; the SDK and sources stay here.
FROM mcr.microsoft.com/dotnet/sdk:8.0 AS builder
WORKDIR /src
COPY Api.csproj ./
RUN --mount=type=cache,target=/root/.nuget/packages dotnet restore
COPY . .
RUN --mount=type=cache,target=/root/.nuget/packages dotnet publish Api.csproj -c Release -o /app

# runtime: only the published app on the aspnet runtime
# (mcr.microsoft.com/dotnet/aspnet:8.0-jammy-chiseled): no SDK or sources.
FROM mcr.microsoft.com/dotnet/aspnet:8.0-jammy-chiseled AS runtime
WORKDIR /app
COPY --from=builder /app /app
EXPOSE 8080
USER app
ENTRYPOINT ["dotnet", "Api.dll"]
