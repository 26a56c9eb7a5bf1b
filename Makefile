# Every target is idempotent: `make test` on a fresh clone does all setup.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
E2E := tests/e2e

.PHONY: install run test test-fast lint eval bench train clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

$(E2E)/node_modules/.package-lock.json: $(E2E)/package.json $(E2E)/package-lock.json
	cd $(E2E) && npm ci --no-audit --no-fund --loglevel=error

install: $(STAMP) $(E2E)/node_modules/.package-lock.json

run: install
	$(BIN)/ropbot run

# The lint and type gate runs first: a finding fails `make test` as a failing test does.
lint: install
	$(BIN)/ruff check ropbot tests bot.py
	$(BIN)/mypy

test: lint
	$(BIN)/pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo 'no tests collected'; exit 0; fi; exit $$rc

# Everything but the tests marked slow (kill trials, the emulator, the browser, the blind sets,
# the attack suite): under two minutes, for the edit-test loop. `make test` still runs them all.
test-fast: lint
	$(BIN)/pytest -m "not slow"

eval: install
	$(BIN)/ropbot eval ../shared/eval/dev.yaml

bench: install
	$(BIN)/ropbot bench
	$(BIN)/python $(E2E)/load.py --users 200 --messages 20

# Refit both models on the tuning halves of the blind sets. A locked half is scored once, at the
# end of the work it measures (its figures stay in the tests as floors); after that it may join
# the training, and the next round's sets measure. The third and fourth rounds' locked halves,
# scored at cfcc899, have joined, and the crisis and chat sets of the fifth, scored at c0d4be6,
# and the third chat set (bd3cebc); the first two rounds' have not. The fifth round's short,
# story and lookup sets, and the sixth and seventh rounds' crisis and chat sets, all scored once,
# joined in the eighth round, with training-only messages (crisis-extra2, everyday-extra). The
# eighth round's sets (short6, stories6, lookups6, offtopic5, crisis13, everyday5) and the ninth's
# (short7, stories7, crisis14) are not trained on.
BLIND := tests/data/blind
ORDINARY := $(BLIND)/short-tuning.yaml $(BLIND)/stories-tuning.yaml $(BLIND)/offtopic-tuning.yaml \
	$(BLIND)/short2-tuning.yaml $(BLIND)/stories2-tuning.yaml $(BLIND)/offtopic2-tuning.yaml \
	$(BLIND)/short3-tuning.yaml $(BLIND)/stories3-tuning.yaml $(BLIND)/offtopic3-tuning.yaml \
	$(BLIND)/short4-tuning.yaml $(BLIND)/stories4-tuning.yaml $(BLIND)/offtopic4-tuning.yaml \
	$(BLIND)/short3-locked.yaml $(BLIND)/stories3-locked.yaml $(BLIND)/offtopic3-locked.yaml \
	$(BLIND)/short4-locked.yaml $(BLIND)/stories4-locked.yaml $(BLIND)/offtopic4-locked.yaml \
	$(BLIND)/short5-tuning.yaml $(BLIND)/stories5-tuning.yaml $(BLIND)/short5-locked.yaml $(BLIND)/stories5-locked.yaml
# The crisis model also sees the lookups («6.6.1 og 6.2»): without messages full of numbers among
# its everyday negatives, it took numbers for pill counts. And everyday chat («hei», «takk for
# alt», «siste spørsmål for i dag»): without it, a greeting got the numbers line.
CRISIS_ORDINARY := $(ORDINARY) $(BLIND)/lookups-tuning.yaml $(BLIND)/lookups2-tuning.yaml $(BLIND)/lookups3-tuning.yaml \
	$(BLIND)/lookups4-tuning.yaml $(BLIND)/lookups3-locked.yaml $(BLIND)/lookups4-locked.yaml \
	$(BLIND)/everyday-tuning.yaml $(BLIND)/everyday-locked.yaml $(BLIND)/everyday2-tuning.yaml $(BLIND)/everyday2-locked.yaml \
	$(BLIND)/everyday3-tuning.yaml $(BLIND)/everyday3-locked.yaml $(BLIND)/everyday4-tuning.yaml $(BLIND)/everyday4-locked.yaml \
	$(BLIND)/everyday-extra.yaml $(BLIND)/lookups5-tuning.yaml $(BLIND)/lookups5-locked.yaml
CRISIS := $(BLIND)/crisis-tuning.yaml $(BLIND)/crisis-extra.yaml $(BLIND)/crisis2-tuning.yaml $(BLIND)/crisis3-tuning.yaml \
	$(BLIND)/crisis4-tuning.yaml $(BLIND)/crisis5-tuning.yaml $(BLIND)/crisis6-tuning.yaml $(BLIND)/crisis7-tuning.yaml \
	$(BLIND)/crisis8-tuning.yaml $(BLIND)/crisis9-tuning.yaml \
	$(BLIND)/crisis7-locked.yaml $(BLIND)/crisis8-locked.yaml $(BLIND)/crisis9-locked.yaml \
	$(BLIND)/crisis10-tuning.yaml $(BLIND)/crisis10-locked.yaml $(BLIND)/crisis11-tuning.yaml $(BLIND)/crisis11-locked.yaml \
	$(BLIND)/crisis12-tuning.yaml $(BLIND)/crisis12-locked.yaml $(BLIND)/crisis-extra2.yaml
train: install
	$(BIN)/pip install -q -e '.[train]'
	$(BIN)/ropbot crisis-train $(CRISIS) --ordinary $(CRISIS_ORDINARY)
	$(BIN)/ropbot rank-train $(ORDINARY)

clean:
	rm -rf $(VENV) $(E2E)/node_modules
