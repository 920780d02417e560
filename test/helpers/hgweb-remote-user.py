# A tiny authenticating proxy in front of hgweb: every request needs HTTP Basic credentials
# (any password), and the user name reaches hgweb as REMOTE_USER, as behind an OIDC or LDAP proxy.
# usage: python3 hgweb-remote-user.py REPO|APP.wsgi  (prints the port it listens on); an APP.wsgi
# file is loaded as Apache's mod_wsgi would, and its `application` served.
import base64
import sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from socketserver import ThreadingMixIn

from mercurial.hgweb import hgweb

if sys.argv[1].endswith('.wsgi'):
    scope = {'__file__': sys.argv[1]}
    with open(sys.argv[1]) as f:
        exec(compile(f.read(), sys.argv[1], 'exec'), scope)
    app = scope['application']
else:
    app = hgweb(sys.argv[1].encode())


def proxy(environ, start_response):
    auth = environ.get('HTTP_AUTHORIZATION', '')
    if not auth.startswith('Basic '):
        start_response('401 Unauthorized', [('WWW-Authenticate', 'Basic realm="taskgate-test"'), ('Content-Type', 'text/plain')])
        return [b'authentication required\n']
    user = base64.b64decode(auth[6:]).decode('utf-8').split(':', 1)[0]
    environ['REMOTE_USER'] = user
    return app(environ, start_response)


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


server = make_server('127.0.0.1', 0, proxy, server_class=Server, handler_class=Quiet)
print(server.server_port, flush=True)
server.serve_forever()
