#!/usr/bin/env bash
# The French recordings of the audio captcha's ten digits (app/infra/captcha.py),
# made once with espeak-ng's French voice and sox, then committed:
#   apt-get install espeak-ng sox && bash app/data/captcha_voix/generer.sh
# Format of the captcha package's own files: WAV, mono, 8 kHz, 8 bits unsigned.
set -euo pipefail
cd "$(dirname "$0")"
mots=(zéro un deux trois quatre cinq six sept huit neuf)
for chiffre in "${!mots[@]}"; do
  mkdir -p "$chiffre"
  espeak-ng -v fr -s 130 -w /tmp/voix-$$.wav "${mots[$chiffre]}"
  sox /tmp/voix-$$.wav -r 8000 -b 8 -e unsigned-integer -c 1 "$chiffre/fr.wav"
done
rm -f /tmp/voix-$$.wav
