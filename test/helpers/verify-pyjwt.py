# Verifies a taskgate token with PyJWT (Debian's python3-jwt), an implementation independent
# of jose: prints the claims as JSON, or "refused: <reason>" and exits 1.
# usage: /usr/bin/python3 verify-pyjwt.py JWKS_FILE TOKEN ISSUER AUDIENCE
import json
import sys

import jwt

jwks_file, token, issuer, audience = sys.argv[1:5]
with open(jwks_file) as fp:
    keys = {k.key_id: k for k in jwt.PyJWKSet.from_dict(json.load(fp)).keys}
try:
    header = jwt.get_unverified_header(token)
    key = keys[header['kid']]
    claims = jwt.decode(token, key=key.key, algorithms=['EdDSA', 'ES256'], audience=audience, issuer=issuer,
                        options={'require': ['exp', 'iat', 'nbf', 'jti', 'sub']})
except Exception as e:  # every refusal, whatever PyJWT calls it
    print('refused: %s: %s' % (type(e).__name__, e))
    sys.exit(1)
print(json.dumps({'header': header, 'claims': claims}))
