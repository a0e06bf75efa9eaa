"""Package-manager steps: how each spelling of an install, prefetch or build is read."""

from __future__ import annotations

import pytest

from slimstage.analysis.ecosystems import all_steps, package_steps, tool_installs
from slimstage.dockerfile import parse


def steps_of(run: str):
    doc = parse(f"FROM scratch\n{run}\n")
    return list(all_steps(doc.stages[0].instructions[1]))


def only(run: str):
    found = steps_of(run)
    assert len(found) == 1, found
    return found[0]


# (RUN line, tool, kind, manifests, requires_lock)
CASES = [
    # node
    ("RUN npm ci", "npm", "deps", ("package.json",), True),
    ("RUN npm clean-install --omit=dev", "npm", "deps", ("package.json",), True),
    ("RUN npm install", "npm", "deps", ("package.json",), False),
    ("RUN npm i --production", "npm", "deps", ("package.json",), False),
    ("RUN NODE_ENV=production npm ci", "npm", "deps", ("package.json",), True),
    ("RUN npm --loglevel=warn ci", "npm", "deps", ("package.json",), True),
    ("RUN yarn", "yarn", "deps", ("package.json",), False),
    ("RUN yarn install --frozen-lockfile", "yarn", "deps", ("package.json",), True),
    ("RUN yarn --immutable", "yarn", "deps", ("package.json",), True),
    ("RUN yarn --network-timeout 100000 install", "yarn", "deps", ("package.json",), False),
    ("RUN yarn workspaces focus --all --production", "yarn", "deps", ("package.json",), False),
    ("RUN corepack pnpm i --frozen-lockfile", "pnpm", "deps", ("package.json",), True),
    ("RUN pnpm install --prod", "pnpm", "deps", ("package.json",), False),
    ("RUN pnpm fetch --prod", "pnpm", "prefetch", (), True),
    ("RUN npx --yes pnpm@9 install --frozen-lockfile", "pnpm", "deps", ("package.json",), True),
    ("RUN bun install --frozen-lockfile", "bun", "deps", ("package.json",), True),
    # python
    ("RUN pip install -r requirements.txt", "pip", "deps", ("requirements.txt",), False),
    ("RUN python -m pip install -r requirements/prod.txt", "pip", "deps", ("requirements/prod.txt",), False),
    ("RUN python3.12 -m pip install --no-cache-dir -rrequirements.txt -c constraints.txt", "pip", "deps", ("requirements.txt", "constraints.txt"), False),
    ("RUN pip3 install --requirement=reqs.txt", "pip", "deps", ("reqs.txt",), False),
    ("RUN /opt/venv/bin/pip install .", "pip", "build", ("pyproject.toml", "setup.py", "setup.cfg"), False),
    ("RUN pip install -e .[dev]", "pip", "build", ("pyproject.toml", "setup.py", "setup.cfg"), False),
    ("RUN pip wheel -r requirements.txt -w /wheels", "pip", "deps", ("requirements.txt",), False),
    ("RUN uv pip install --system -r requirements.txt", "uv", "deps", ("requirements.txt",), False),
    ("RUN uv sync --frozen --no-dev", "uv", "deps", ("pyproject.toml",), True),
    ("RUN pipenv install --deploy --system", "pipenv", "deps", ("Pipfile",), True),
    ("RUN pipenv sync", "pipenv", "deps", ("Pipfile",), True),
    ("RUN poetry install --no-root --only main", "poetry", "deps", ("pyproject.toml",), False),
    ("RUN python -m poetry install --without dev", "poetry", "deps", ("pyproject.toml",), False),
    ("RUN pdm install --prod --no-self --frozen-lockfile", "pdm", "deps", ("pyproject.toml",), True),
    # go
    ("RUN go mod download", "go", "prefetch", ("go.mod",), False),
    ("RUN go mod download -x", "go", "prefetch", ("go.mod",), False),
    ("RUN CGO_ENABLED=0 GOOS=linux go build -o /out/app ./cmd/app", "go", "build", ("go.mod",), False),
    ("RUN go install ./cmd/...", "go", "build", ("go.mod",), False),
    # java
    ("RUN ./mvnw -B dependency:go-offline", "maven", "prefetch", ("pom.xml",), False),
    ("RUN mvn -B -f backend/pom.xml dependency:resolve dependency:resolve-plugins", "maven", "prefetch", ("pom.xml",), False),
    ("RUN mvn -B -q de.qaware.maven:go-offline-maven-plugin:resolve-dependencies", "maven", "prefetch", ("pom.xml",), False),
    ("RUN mvn -Pprod -DskipTests clean package", "maven", "build", ("pom.xml",), False),
    ("RUN ./gradlew --no-daemon dependencies", "gradle", "prefetch", ("build.gradle*", "settings.gradle*"), False),
    ("RUN ./gradlew :app:bootJar -x test", "gradle", "build", ("build.gradle*", "settings.gradle*"), False),
    ("RUN gradle build --no-daemon", "gradle", "build", ("build.gradle*", "settings.gradle*"), False),
    # rust
    ("RUN cargo chef cook --release --recipe-path recipe.json", "cargo", "prefetch", ("recipe.json",), False),
    ("RUN cargo fetch --locked", "cargo", "prefetch", ("Cargo.toml",), True),
    ("RUN cargo build --release --locked", "cargo", "build", ("Cargo.toml",), True),
    ("RUN cargo install --path . --locked", "cargo", "build", ("Cargo.toml",), True),
    # ruby, php, .NET, elixir
    ("RUN bundle install --jobs 4", "bundler", "deps", ("Gemfile",), False),
    ("RUN bundle install --jobs=4 --retry 3 --without development test", "bundler", "deps", ("Gemfile",), False),
    ("RUN bundle", "bundler", "deps", ("Gemfile",), False),
    ("RUN BUNDLE_FROZEN=true bundle install", "bundler", "deps", ("Gemfile",), True),
    ("RUN bundle install --deployment", "bundler", "deps", ("Gemfile",), True),
    ("RUN composer install --no-dev --no-scripts --no-autoloader", "composer", "deps", ("composer.json",), False),
    ("RUN php composer.phar install --prefer-dist", "composer", "deps", ("composer.json",), False),
    ('RUN dotnet restore "src/App.csproj"', "dotnet", "prefetch", ("src/App.csproj",), False),
    ("RUN dotnet restore --locked-mode", "dotnet", "prefetch", ("*.csproj", "*.fsproj", "*.sln"), True),
    ("RUN dotnet publish -c Release -o /app", "dotnet", "build", ("*.csproj", "*.fsproj", "*.sln"), False),
    ("RUN mix deps.get --only prod", "mix", "deps", ("mix.exs",), False),
    ("RUN MIX_ENV=prod mix release", "mix", "build", ("mix.exs",), False),
]


@pytest.mark.parametrize("run,tool,kind,manifests,requires_lock", CASES, ids=[c[0][4:] for c in CASES])
def test_classifies(run: str, tool: str, kind: str, manifests: tuple, requires_lock: bool) -> None:
    step = only(run)
    assert (step.tool, step.kind, step.manifests, step.requires_lock) == (tool, kind, manifests, requires_lock)


@pytest.mark.parametrize(
    "run",
    [
        "RUN npm run build",
        "RUN npm install express",  # adds a package: not a manifest install
        "RUN npm --version",
        "RUN yarn build",
        "RUN yarn --version",
        "RUN yarn add left-pad",
        "RUN pnpm run test",
        "RUN pip install /wheels/*.whl",
        "RUN pip freeze > requirements.txt",
        "RUN bundle exec rake assets:precompile",
        "RUN bundle config set --local without development",
        "RUN bundle --version",
        "RUN go mod tidy",
        "RUN go version",
        "RUN mvn clean",
        "RUN ./gradlew clean",
        "RUN cargo chef prepare --recipe-path recipe.json",
        "RUN dotnet publish -c Release --no-restore",
        "RUN composer dump-autoload --optimize",
        "RUN echo npm ci",
        "RUN cat <<EOF > /tmp/notes\nnpm ci\nEOF",
    ],
)
def test_not_a_step(run: str) -> None:
    assert [s for s in steps_of(run) if s.kind != "tool"] == []


@pytest.mark.parametrize(
    "run,tool,packages",
    [
        ("RUN npm install -g pnpm@9 serve", "npm", ("pnpm@9", "serve")),
        ("RUN pip install --no-cache-dir poetry==1.8.3", "pip", ("poetry==1.8.3",)),
        ("RUN python -m pip install --upgrade pip setuptools", "pip", ("pip", "setuptools")),
        ("RUN gem install bundler -v 2.5.6", "gem", ("bundler",)),
        ("RUN cargo install cargo-chef --locked", "cargo", ("cargo-chef",)),
        ("RUN go install github.com/go-delve/delve/cmd/dlv@latest", "go", ("github.com/go-delve/delve/cmd/dlv@latest",)),
        ("RUN uv tool install ruff", "uv", ("ruff",)),
        ("RUN yarn global add typescript", "yarn", ("typescript",)),
        ("RUN composer global require laravel/installer", "composer", ("laravel/installer",)),
        ("RUN mix local.hex --force", "mix", ("local.hex",)),
    ],
)
def test_tool_installs(run: str, tool: str, packages: tuple) -> None:
    doc = parse(f"FROM scratch\n{run}\n")
    ins = doc.stages[0].instructions[1]
    found = tool_installs(ins)
    assert [(s.tool, s.packages) for s in found] == [(tool, packages)]
    assert package_steps(ins) == []


def test_production_only() -> None:
    assert only("RUN npm ci --omit=dev").production_only
    assert only("RUN NODE_ENV=production npm ci").production_only
    assert only("RUN yarn install --production --frozen-lockfile").production_only
    assert only("RUN poetry install --only main").production_only
    assert only("RUN mix deps.get --only prod").production_only
    assert not only("RUN npm ci").production_only


def test_prefixes_are_not_the_command() -> None:
    step = only("RUN sudo -E -u app env CI=1 time nice -n 5 npm ci")
    assert (step.tool, step.kind) == ("npm", "deps")
    assert step.command.env_value("CI") == "1"
    assert only("RUN if [ -f yarn.lock ]; then yarn install --frozen-lockfile; fi").tool == "yarn"


def test_exec_form_and_nested_script() -> None:
    assert only('RUN ["npm", "ci"]').tool == "npm"
    found = steps_of('RUN ["/bin/sh", "-c", "pip install -r requirements.txt && npm ci"]')
    assert [s.tool for s in found] == ["pip", "npm"]
    assert [s.tool for s in steps_of("RUN bash -ec 'go mod download && go build ./...'")] == ["go", "go"]


def test_heredoc_scripts() -> None:
    found = steps_of("RUN <<EOF\nset -e\ncorepack enable\npnpm install --frozen-lockfile\nEOF")
    assert [(s.tool, s.command.range.start.line) for s in found] == [("pnpm", 4)]
    assert steps_of("RUN python3 <<EOF\nimport os\nEOF") == []


def test_folder_from_cd_and_options() -> None:
    assert only("RUN cd frontend && npm ci").dir == "frontend"
    assert only("RUN npm ci --prefix web").dir == "web"
    assert only("RUN yarn --cwd client install").dir == "client"
    assert only("RUN pnpm -C apps/site install").dir == "apps/site"
    assert only("RUN poetry install -C backend").dir == "backend"
    assert only("RUN cd /srv/app && pip install -r requirements.txt").dir == "/srv/app"
    assert only("RUN cd $APP && npm ci").dir is None
    assert only("RUN (cd web && npm ci)").dir == "web"
    assert only("RUN npm ci").manifest_paths == ("package.json",)
    assert only("RUN cd web && npm ci").manifest_paths == ("web/package.json",)


def test_installs_that_also_install_the_project() -> None:
    assert only("RUN poetry install").needs_source
    assert not only("RUN poetry install --no-root").needs_source
    assert only("RUN uv sync --locked").needs_source
    assert not only("RUN uv sync --locked --no-install-project").needs_source
    assert only("RUN pdm install").needs_source
    assert only("RUN composer install --no-dev").needs_source
    assert not only("RUN composer install --no-scripts --no-autoloader").needs_source
    assert not only("RUN npm ci").needs_source


def test_project_tasks_are_guessed() -> None:
    step = only("RUN ./gradlew downloadRepos")
    assert (step.kind, step.guessed) == ("prefetch", True)


def test_labels_keep_option_values() -> None:
    assert only("RUN pip install --no-cache-dir -r requirements/prod.txt").label == "pip install --no-cache-dir -r requirements/prod.txt"
    assert only("RUN npm ci").label == "npm ci"
