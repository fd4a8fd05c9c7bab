"""What a Python merchant does with authlib (Debian's python3-authlib) against the sandbox.

Run by test/compat/authlib.test.ts with /usr/bin/python3: argv[1] is a JSON object with the
issuer URL the client is configured with, the control API's URL and the part to run ("flow",
"errors" or "clock"). It prints one JSON object: what authlib answered at each step, which the
TypeScript test then checks value by value. Nothing here decides whether a step passed.
"""
import json
import re
import sys
import time
from urllib.parse import parse_qs, urlparse

import authlib
import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.jose.errors import JoseError
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oidc.core import CodeIDToken

DEMO_ID = '0e6a4c32-7f1b-4a5d-9c3e-2b8f6d1a4e70'
DEMO_SECRET = 'demo-shop-secret'
REDIRECT_URI = 'https://shop.example/oidc/callback'
AIGERIM = '5b0e7c0a-3f4e-4c8b-9a61-2f1d3c4b5a01'
SCOPE = 'openid read.email read.firstname'

ARGS = json.loads(sys.argv[1])
ISSUER = ARGS['issuer']
CONTROL = ARGS['control']


def discover():
    return requests.get(ISSUER + '/.well-known/openid-configuration', timeout=10).json()


def session(doc, secret=DEMO_SECRET, auth='client_secret_basic'):
    return OAuth2Session(DEMO_ID, secret, scope=SCOPE, redirect_uri=REDIRECT_URI, code_challenge_method='S256',
                         token_endpoint_auth_method=auth)


def authorization_url(doc, client, **extra):
    verifier = generate_token(48)
    nonce = generate_token(32)
    url, state = client.create_authorization_url(doc['authorization_endpoint'], code_verifier=verifier, nonce=nonce, **extra)
    return {'url': url, 'verifier': verifier, 'nonce': nonce, 'state': state}


def redirect_of(browser, url):
    answer = browser.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 303, (answer.status_code, answer.text)
    return requests.compat.urljoin(url, answer.headers['location'])


def login(browser, url):
    """The login page's forms, as a person clicks them; the browser keeps the sign-in cookie."""
    page = redirect_of(browser, url)
    html = browser.get(page, timeout=10).text
    track_id = re.search(r'name="track_id" value="([^"]+)"', html).group(1)
    browser.post(requests.compat.urljoin(page, '/login/sign-in'), data={'track_id': track_id, 'persona': AIGERIM}, allow_redirects=False, timeout=10)
    decided = browser.post(requests.compat.urljoin(page, '/login/consent'), data={'track_id': track_id, 'decision': 'allow'}, allow_redirects=False, timeout=10)
    return decided.headers['location']


def headless(url, decision='approve'):
    page = redirect_of(requests.Session(), url)
    track_id = parse_qs(urlparse(page).query)['track_id'][0]
    body = {'user': AIGERIM} if decision == 'approve' else {}
    return requests.post(CONTROL + '/__sandbox/tracks/' + track_id + '/' + decision, json=body, timeout=10).json()['redirect_uri']


def advance(seconds):
    requests.post(CONTROL + '/__sandbox/clock', json={'advance': seconds}, timeout=10).raise_for_status()


def id_token_claims(doc, id_token, nonce=None, max_age=None, leeway=0):
    keys = JsonWebKey.import_key_set(requests.get(doc['jwks_uri'], timeout=10).json())
    params = {'client_id': DEMO_ID}
    if nonce is not None:
        params['nonce'] = nonce
    if max_age is not None:
        params['max_age'] = max_age
    claims = jwt.decode(id_token, keys, claims_cls=CodeIDToken,
                        claims_options={'iss': {'essential': True, 'value': doc['issuer']}, 'aud': {'essential': True, 'value': DEMO_ID}},
                        claims_params=params)
    claims.validate(leeway=leeway)
    return dict(claims)


def failure(step):
    """What authlib raised, by its own names, or None when the step did not fail."""
    try:
        step()
    except (OAuthError, OAuth2Error) as error:
        return {'class': type(error).__name__, 'error': error.error, 'description': error.description}
    except JoseError as error:
        return {'class': type(error).__name__, 'error': error.error, 'description': error.description}
    return None


def flow():
    doc = discover()
    client = session(doc)
    browser = requests.Session()
    first = authorization_url(doc, client, max_age=300)
    callback = login(browser, first['url'])
    token = client.fetch_token(doc['token_endpoint'], authorization_response=callback, state=first['state'], code_verifier=first['verifier'])
    claims = id_token_claims(doc, token['id_token'], nonce=first['nonce'], max_age=300)
    userinfo = client.get(doc['userinfo_endpoint'], timeout=10)
    refreshed = client.refresh_token(doc['token_endpoint'], refresh_token=token['refresh_token'])
    refreshed_claims = id_token_claims(doc, refreshed['id_token'])
    silent = authorization_url(doc, client, prompt='none')
    back = redirect_of(browser, silent['url'])
    again = client.fetch_token(doc['token_endpoint'], authorization_response=back, state=silent['state'], code_verifier=silent['verifier'])
    post = session(doc, auth='client_secret_post')
    third = authorization_url(doc, post)
    posted = post.fetch_token(doc['token_endpoint'], authorization_response=headless(third['url']), state=third['state'], code_verifier=third['verifier'])
    return {
        'authlib': authlib.__version__,
        'issuer': doc['issuer'],
        'token_type': token['token_type'],
        'expires_in': token['expires_in'],
        'claims': claims,
        'now': int(time.time()),
        'userinfo': userinfo.json(),
        'refreshed_claims': refreshed_claims,
        'refreshed_differs': refreshed['access_token'] != token['access_token'],
        'silent_redirect': back.split('?')[0],
        'silent_claims': id_token_claims(doc, again['id_token'], nonce=silent['nonce']),
        'silent_nonce': silent['nonce'],
        'post_claims': id_token_claims(doc, posted['id_token'], nonce=third['nonce']),
    }


def errors():
    doc = discover()
    client = session(doc)
    denied = authorization_url(doc, client)
    denied_back = headless(denied['url'], 'deny')
    silent = authorization_url(doc, client, prompt='none')
    silent_back = redirect_of(requests.Session(), silent['url'])

    req = authorization_url(doc, client)
    back = headless(req['url'])
    fetch = lambda c=client, **kw: c.fetch_token(doc['token_endpoint'], authorization_response=back, state=req['state'],
                                                 **{'code_verifier': req['verifier'], **kw})
    out = {
        'callback_params': {
            'deny': parse_qs(urlparse(denied_back).query),
            'prompt_none': parse_qs(urlparse(silent_back).query),
        },
        'states': {'deny': denied['state'], 'prompt_none': silent['state']},
        'callback_fetch': failure(lambda: client.fetch_token(doc['token_endpoint'], authorization_response=denied_back, state=denied['state'])),
        'wrong_redirect_uri': failure(lambda: fetch(redirect_uri='https://shop.example/other')),
        'wrong_verifier': failure(lambda: fetch(code_verifier=generate_token(48))),
        'wrong_secret': failure(lambda: fetch(c=session(doc, secret='nope'))),
        'wrong_post_secret': failure(lambda: fetch(c=session(doc, secret='nope', auth='client_secret_post'))),
    }
    token = fetch()
    out['used_code'] = failure(fetch)
    out['password_grant'] = failure(lambda: client.fetch_token(doc['token_endpoint'], grant_type='password', username='+77015550101', password='Sandbox123!'))
    out['scope_beyond'] = failure(lambda: client.refresh_token(doc['token_endpoint'], refresh_token=token['refresh_token'], scope='openid read.cards'))
    client.refresh_token(doc['token_endpoint'], refresh_token=token['refresh_token'])
    out['used_refresh_token'] = failure(lambda: client.refresh_token(doc['token_endpoint'], refresh_token=token['refresh_token']))
    bad = requests.get(doc['userinfo_endpoint'], headers={'authorization': 'Bearer ' + 'x' * 128}, timeout=10)
    out['userinfo_bad_token'] = {'status': bad.status_code, 'challenge': bad.headers.get('www-authenticate'), 'body': bad.json()}
    good = id_token_claims(doc, token['id_token'])
    forged = token['id_token'][:-4] + ('AAAA' if not token['id_token'].endswith('AAAA') else 'BBBB')
    out['forged_signature'] = failure(lambda: id_token_claims(doc, forged))
    out['wrong_audience'] = failure(lambda: jwt.decode(token['id_token'], JsonWebKey.import_key_set(requests.get(doc['jwks_uri'], timeout=10).json()),
                                                        claims_cls=CodeIDToken, claims_options={'aud': {'essential': True, 'value': 'someone-else'}},
                                                        claims_params={'client_id': 'someone-else'}).validate())
    out['good_sub'] = good['sub']
    late = authorization_url(doc, client)
    late_back = headless(late['url'])
    advance(300)
    out['expired_code'] = failure(lambda: client.fetch_token(doc['token_endpoint'], authorization_response=late_back, state=late['state'], code_verifier=late['verifier']))
    return out


def clock():
    doc = discover()
    client = session(doc)

    def id_token():
        req = authorization_url(doc, client)
        return client.fetch_token(doc['token_endpoint'], authorization_response=headless(req['url']), state=req['state'], code_verifier=req['verifier'])['id_token']

    advance(3600)
    ahead = id_token()
    out = {'ahead': failure(lambda: id_token_claims(doc, ahead, max_age=60))}
    advance(-3600 - 3605)
    behind = id_token()
    out['behind'] = failure(lambda: id_token_claims(doc, behind))
    out['behind_with_leeway'] = failure(lambda: id_token_claims(doc, behind, leeway=60))
    advance(3605 - 600)
    old = id_token()
    out['max_age_behind'] = failure(lambda: id_token_claims(doc, old, max_age=300))
    return out


print(json.dumps({'flow': flow, 'errors': errors, 'clock': clock}[ARGS['part']]()))
