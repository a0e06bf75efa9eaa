"""Environment variables that official base images set (their Dockerfiles' ENV lines).

Facts from the docker-library and vendor image definitions, by repository name; PATH is in
every image. UndefinedVar treats a variable as defined when the stage's base image sets
it; for an image not listed here the image's environment is unknown and UndefinedVar says
nothing about names it might define.
"""

from __future__ import annotations

_JAVA = ("JAVA_HOME", "JAVA_VERSION", "JAVA_BASE_URL", "JAVA_URL_VERSION", "JAVA_DEBIAN_VERSION", "LANG", "LANGUAGE", "LC_ALL")
_PHP = (
    "PHPIZE_DEPS", "PHP_INI_DIR", "APACHE_CONFDIR", "APACHE_ENVVARS", "PHP_CFLAGS", "PHP_CPPFLAGS", "PHP_LDFLAGS",
    "GPG_KEYS", "PHP_VERSION", "PHP_URL", "PHP_ASC_URL", "PHP_SHA256", "PHP_EXTRA_CONFIGURE_ARGS", "PHP_EXTRA_BUILD_DEPS",
)
_DOTNET = (
    "APP_UID", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_URLS", "DOTNET_RUNNING_IN_CONTAINER", "DOTNET_VERSION", "ASPNET_VERSION",
    "ASPNET_CORE_VERSION", "DOTNET_GENERATE_ASPNET_CERTIFICATE", "DOTNET_NOLOGO", "DOTNET_SDK_VERSION",
    "DOTNET_USE_POLLING_FILE_WATCHER", "NUGET_XMLDOC_MODE", "POWERSHELL_DISTRIBUTION_CHANNEL",
    "DOTNET_SKIP_FIRST_TIME_EXPERIENCE",
)
_NONE: tuple[str, ...] = ()

IMAGE_ENV: dict[str, tuple[str, ...]] = {
    # distributions: PATH only
    "alpine": _NONE, "busybox": _NONE, "debian": _NONE, "ubuntu": _NONE, "centos": _NONE, "fedora": ("DISTTAG", "FGC", "FBR"),
    "rockylinux": _NONE, "almalinux": _NONE, "amazonlinux": _NONE, "oraclelinux": _NONE,
    "buildpack-deps": _NONE, "registry.access.redhat.com/ubi8/ubi": _NONE, "registry.access.redhat.com/ubi9/ubi": _NONE,
    "gcr.io/distroless/static": ("SSL_CERT_FILE",), "gcr.io/distroless/base": ("SSL_CERT_FILE",),
    "gcr.io/distroless/static-debian11": ("SSL_CERT_FILE",), "gcr.io/distroless/static-debian12": ("SSL_CERT_FILE",),
    "gcr.io/distroless/base-debian11": ("SSL_CERT_FILE",), "gcr.io/distroless/base-debian12": ("SSL_CERT_FILE",),
    "gcr.io/distroless/cc": ("SSL_CERT_FILE",), "gcr.io/distroless/cc-debian12": ("SSL_CERT_FILE",),
    # languages
    "golang": ("GOLANG_VERSION", "GOTOOLCHAIN", "GOPATH"),
    "node": ("NODE_VERSION", "YARN_VERSION"),
    "python": ("LANG", "GPG_KEY", "PYTHON_VERSION", "PYTHON_SHA256", "PYTHON_PIP_VERSION", "PYTHON_SETUPTOOLS_VERSION", "PYTHON_GET_PIP_URL", "PYTHON_GET_PIP_SHA256"),
    "pypy": ("LANG", "PYPY_VERSION", "PYTHON_PIP_VERSION", "PYTHON_GET_PIP_URL", "PYTHON_GET_PIP_SHA256"),
    "ruby": ("LANG", "RUBY_MAJOR", "RUBY_VERSION", "RUBY_DOWNLOAD_URL", "RUBY_DOWNLOAD_SHA256", "GEM_HOME", "BUNDLE_SILENCE_ROOT_WARNING", "BUNDLE_APP_CONFIG"),
    "rust": ("RUSTUP_HOME", "CARGO_HOME", "RUST_VERSION"),
    "openjdk": _JAVA, "adoptopenjdk": _JAVA, "eclipse-temurin": _JAVA, "amazoncorretto": _JAVA, "ibmjava": _JAVA, "ibm-semeru-runtimes": _JAVA, "sapmachine": _JAVA,
    "maven": _JAVA + ("MAVEN_HOME", "MAVEN_CONFIG"),
    "gradle": _JAVA + ("GRADLE_HOME", "GRADLE_VERSION"),
    "tomcat": _JAVA + ("CATALINA_HOME", "TOMCAT_NATIVE_LIBDIR", "LD_LIBRARY_PATH", "GPG_KEYS", "TOMCAT_MAJOR", "TOMCAT_VERSION", "TOMCAT_SHA512"),
    "php": _PHP, "wordpress": _PHP + ("WORDPRESS_VERSION",), "composer": _PHP + ("COMPOSER_ALLOW_SUPERUSER", "COMPOSER_HOME", "COMPOSER_VERSION"),
    "elixir": ("LANG", "ELIXIR_VERSION", "OTP_VERSION", "REBAR3_VERSION"), "erlang": ("OTP_VERSION", "REBAR3_VERSION"),
    "gcc": ("GPG_KEYS", "GCC_MIRRORS", "GCC_VERSION"),
    "julia": ("JULIA_PATH", "JULIA_VERSION", "JULIA_GPG", "LANG"),
    "mcr.microsoft.com/dotnet/sdk": _DOTNET, "mcr.microsoft.com/dotnet/aspnet": _DOTNET,
    "mcr.microsoft.com/dotnet/runtime": _DOTNET, "mcr.microsoft.com/dotnet/runtime-deps": _DOTNET,
    "mcr.microsoft.com/dotnet/core/sdk": _DOTNET, "mcr.microsoft.com/dotnet/core/aspnet": _DOTNET,
    "mcr.microsoft.com/dotnet/core/runtime": _DOTNET,
    # servers
    "nginx": ("NGINX_VERSION", "NJS_VERSION", "NJS_RELEASE", "PKG_RELEASE", "DYNPKG_RELEASE"),
    "httpd": ("HTTPD_PREFIX", "HTTPD_VERSION", "HTTPD_SHA256", "HTTPD_PATCHES"),
    "redis": ("REDIS_DOWNLOAD_URL", "REDIS_DOWNLOAD_SHA", "REDIS_VERSION", "GOSU_VERSION"),
    "postgres": ("GOSU_VERSION", "LANG", "PG_MAJOR", "PG_VERSION", "PGDATA", "PG_SHA256", "DOCKER_PG_LLVM_DEPS"),
    "mysql": ("GOSU_VERSION", "MYSQL_MAJOR", "MYSQL_VERSION", "MYSQL_SHELL_VERSION"),
    "docker": ("DOCKER_VERSION", "DOCKER_BUILDX_VERSION", "DOCKER_COMPOSE_VERSION", "DOCKER_TLS_CERTDIR", "DIND_COMMIT", "DOCKER_CHANNEL"),
}


def image_name(ref: str) -> str:
    """``docker.io/library/python:3.12-slim@sha256:...`` -> ``python``."""
    name = ref.split("@", 1)[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name[: len(name) - len(last[-1])] + last[-1].split(":", 1)[0]
    name = name.lower()
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    if name.startswith("library/"):
        name = name[len("library/") :]
    return name


def image_env(ref: str) -> "tuple[str, ...] | None":
    """The variables ``ref`` sets besides PATH, or None when slimstage does not know the image."""
    return IMAGE_ENV.get(image_name(ref))
