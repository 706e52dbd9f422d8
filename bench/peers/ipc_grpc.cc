// ipc_grpc.cc - transport "grpc": gRPC C++ unary calls over loopback TCP
// (insecure credentials), the seed's "gRPC (loopback)" row. Side 1 runs a
// synchronous server whose handler checks each request through the
// driver's ipc_deliver() and echoes it; side 0 makes one blocking call per
// message, so a "send" already contains the whole round trip and "recv"
// only hands back the reply it got. The server picks a free port and tells
// side 0 through a shared page. Built only when gRPC++ and protoc are found.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <sys/mman.h>
#include <thread>
#include <vector>

#include "ipc_echo.grpc.pb.h"
#include "ipc_transport.h"

namespace
{

struct Shared {
	std::atomic<int> port; // set by side 1 once it listens
};

class EchoImpl final : public sluice::bench::Echo::Service
{
      public:
	explicit EchoImpl(ipc_link *l) : l_(l), buf_(l->size)
	{
	}

	grpc::Status Call(grpc::ServerContext *, const sluice::bench::Msg *req,
	                  sluice::bench::Msg *resp) override
	{
		const std::string &d = req->data();
		if (d.size() != l_->size)
			return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "wrong size");
		std::memcpy(buf_.data(), d.data(), d.size());
		int rc = ipc_deliver(l_, buf_.data());
		if (rc < 0) {
			failed_.store(true);
			done_.store(true);
			return grpc::Status(grpc::StatusCode::DATA_LOSS, "corrupt or out of order");
		}
		if (l_->mode == IPC_PINGPONG)
			resp->set_data(d);
		if (rc == 1)
			done_.store(true);
		return grpc::Status::OK;
	}

	std::atomic<bool> done_{false}, failed_{false};

      private:
	ipc_link *l_;
	std::vector<unsigned char> buf_;
};

struct Side {
	// side 1
	std::unique_ptr<EchoImpl> service;
	std::unique_ptr<grpc::Server> server;
	// side 0
	std::shared_ptr<grpc::Channel> channel;
	std::unique_ptr<sluice::bench::Echo::Stub> stub;
	sluice::bench::Msg reply;
};

Side *side_of(ipc_link *l)
{
	return static_cast<Side *>(l->priv);
}

int grpc_setup(ipc_link *l)
{
	l->shared_len = 4096;
	l->shared = ipc_map_shared(l->shared_len);
	if (!l->shared)
		return -ENOMEM;
	new (l->shared) Shared{};
	return 0;
}

int grpc_open(ipc_link *l)
{
	auto *sh = static_cast<Shared *>(l->shared);
	auto *s = new Side;
	l->priv = s;
	if (l->side == 1) {
		int port = 0;
		s->service.reset(new EchoImpl(l));
		grpc::ServerBuilder b;
		b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
		b.SetMaxReceiveMessageSize(-1);
		b.SetMaxSendMessageSize(-1);
		b.RegisterService(s->service.get());
		s->server = b.BuildAndStart();
		if (!s->server || port <= 0)
			return -EADDRNOTAVAIL;
		sh->port.store(port);
		return 0;
	}
	// side 0: the server starts at the same time; wait for its port, bounded
	auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
	while (sh->port.load() == 0) {
		if (std::chrono::steady_clock::now() > end)
			return -ETIMEDOUT;
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	}
	grpc::ChannelArguments args;
	args.SetMaxReceiveMessageSize(-1);
	args.SetMaxSendMessageSize(-1);
	s->channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(sh->port.load()),
	                                       grpc::InsecureChannelCredentials(), args);
	if (!s->channel->WaitForConnected(std::chrono::system_clock::now() +
	                                  std::chrono::seconds(10)))
		return -ECONNREFUSED;
	s->stub = sluice::bench::Echo::NewStub(s->channel);
	return 0;
}

int grpc_send(ipc_link *l, const void *msg)
{
	Side *s = side_of(l);
	sluice::bench::Msg req;
	grpc::ClientContext ctx;

	req.set_data(msg, l->size);
	s->reply.Clear();
	grpc::Status st = s->stub->Call(&ctx, req, &s->reply);
	if (!st.ok())
		return st.error_code() == grpc::StatusCode::DATA_LOSS ? -EBADMSG : -EREMOTEIO;
	return 0;
}

int grpc_recv(ipc_link *l, void *msg)
{
	Side *s = side_of(l);

	if (s->reply.data().size() != l->size)
		return -EBADMSG;
	std::memcpy(msg, s->reply.data().data(), l->size);
	return 0;
}

int grpc_serve(ipc_link *l)
{
	Side *s = side_of(l);

	// the handler threads do the work; this one waits for the STOP message
	while (!s->service->done_.load())
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	s->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
	return s->service->failed_.load() ? -EBADMSG : 0;
}

void grpc_close(ipc_link *l)
{
	Side *s = side_of(l);

	if (s && s->server)
		s->server->Shutdown(std::chrono::system_clock::now());
	delete s;
	l->priv = nullptr;
}

void grpc_teardown(ipc_link *l)
{
	if (l->shared)
		munmap(l->shared, l->shared_len);
}

const char *grpc_unsupported(size_t)
{
#ifdef SLUICE_TSAN
	// gRPC is not built with TSan: its pollers' own synchronisation shows
	// up as races inside libgrpc that are not ours
	return "not run under TSan (libgrpc is not instrumented)";
#else
	return nullptr;
#endif
}

ipc_transport grpc_transport;

__attribute__((constructor)) void grpc_register()
{
	grpc_transport.name = "grpc";
	grpc_transport.crossings = "2+ (+proto)";
	grpc_transport.unsupported = grpc_unsupported;
	grpc_transport.setup = grpc_setup;
	grpc_transport.open = grpc_open;
	grpc_transport.send = grpc_send;
	grpc_transport.recv = grpc_recv;
	grpc_transport.serve = grpc_serve;
	grpc_transport.close = grpc_close;
	grpc_transport.teardown = grpc_teardown;
	ipc_register(&grpc_transport);
}

} // namespace
