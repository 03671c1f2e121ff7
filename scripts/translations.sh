#!/bin/sh
# Keep the interface translations (Macedonian and Albanian) in step with the source strings.
#   scripts/translations.sh update   extract the strings into messages.pot and merge them into mk and sq
#   scripts/translations.sh compile  compile the .po catalogs into the .mo files the app loads
set -eu

cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
DIR=app/translations
LOCALES="mk sq"

case "${1:-}" in
  update)
    "$PYBABEL" extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -k lazy_ngettext:1,2 \
      -c TRANSLATORS: \
      --no-location --sort-output --project="Protection Academy" \
      -o "$DIR/messages.pot" .
    for locale in $LOCALES; do
      "$PYBABEL" update -i "$DIR/messages.pot" -d "$DIR" -l "$locale" --no-fuzzy-matching
    done
    echo "Now translate the empty msgstr entries in $DIR/{mk,sq}/LC_MESSAGES/messages.po, then run: $0 compile"
    ;;
  compile)
    "$PYBABEL" compile -d "$DIR" --statistics
    "$PYBABEL" compile -D wtforms -d "$DIR" --statistics  # WTForms' own messages (see app/forms.py)
    ;;
  *)
    echo "usage: $0 update|compile" >&2
    exit 2
    ;;
esac
