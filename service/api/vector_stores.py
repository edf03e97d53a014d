"""The gRPC servicer of vector stores: protos in, application calls, protos out."""

from __future__ import annotations

from typing import Any, TypeAlias

import grpc

from assistants.v1 import (
    common_pb2,
    vector_store_pb2,
    vector_store_service_pb2,
    vector_store_service_pb2_grpc,
)
from service.api._context import current
from service.app import Application

Context: TypeAlias = grpc.aio.ServicerContext[Any, Any]
_pb = vector_store_service_pb2


class VectorStoreServicer(vector_store_service_pb2_grpc.VectorStoreServiceServicer):
    def __init__(self, app: Application) -> None:
        self._app = app

    async def CreateVectorStore(
        self, request: _pb.CreateVectorStoreRequest, context: Context
    ) -> vector_store_pb2.VectorStore:
        return await self._app.vector_stores.create(current(), request)

    async def GetVectorStore(
        self, request: _pb.GetVectorStoreRequest, context: Context
    ) -> vector_store_pb2.VectorStore:
        return await self._app.vector_stores.get(current(), request.vector_store_id)

    async def ListVectorStores(
        self, request: _pb.ListVectorStoresRequest, context: Context
    ) -> _pb.ListVectorStoresResponse:
        return await self._app.vector_stores.list(current(), request)

    async def UpdateVectorStore(
        self, request: _pb.UpdateVectorStoreRequest, context: Context
    ) -> vector_store_pb2.VectorStore:
        return await self._app.vector_stores.update(current(), request)

    async def DeleteVectorStore(
        self, request: _pb.DeleteVectorStoreRequest, context: Context
    ) -> common_pb2.DeletedObject:
        return await self._app.vector_stores.delete(current(), request.vector_store_id)

    async def CreateVectorStoreFile(
        self, request: _pb.CreateVectorStoreFileRequest, context: Context
    ) -> vector_store_pb2.VectorStoreFile:
        return await self._app.vector_stores.create_file(current(), request)

    async def GetVectorStoreFile(
        self, request: _pb.GetVectorStoreFileRequest, context: Context
    ) -> vector_store_pb2.VectorStoreFile:
        return await self._app.vector_stores.get_file(
            current(), request.vector_store_id, request.file_id
        )

    async def ListVectorStoreFiles(
        self, request: _pb.ListVectorStoreFilesRequest, context: Context
    ) -> _pb.ListVectorStoreFilesResponse:
        return await self._app.vector_stores.list_files(current(), request)

    async def UpdateVectorStoreFile(
        self, request: _pb.UpdateVectorStoreFileRequest, context: Context
    ) -> vector_store_pb2.VectorStoreFile:
        return await self._app.vector_stores.update_file(current(), request)

    async def DeleteVectorStoreFile(
        self, request: _pb.DeleteVectorStoreFileRequest, context: Context
    ) -> common_pb2.DeletedObject:
        return await self._app.vector_stores.delete_file(
            current(), request.vector_store_id, request.file_id
        )

    async def GetVectorStoreFileContent(
        self, request: _pb.GetVectorStoreFileContentRequest, context: Context
    ) -> _pb.VectorStoreFileContentPage:
        return await self._app.vector_stores.file_content(current(), request)

    async def CreateVectorStoreFileBatch(
        self, request: _pb.CreateVectorStoreFileBatchRequest, context: Context
    ) -> vector_store_pb2.VectorStoreFileBatch:
        return await self._app.vector_stores.create_batch(current(), request)

    async def GetVectorStoreFileBatch(
        self, request: _pb.GetVectorStoreFileBatchRequest, context: Context
    ) -> vector_store_pb2.VectorStoreFileBatch:
        return await self._app.vector_stores.get_batch(
            current(), request.vector_store_id, request.batch_id
        )

    async def CancelVectorStoreFileBatch(
        self, request: _pb.CancelVectorStoreFileBatchRequest, context: Context
    ) -> vector_store_pb2.VectorStoreFileBatch:
        return await self._app.vector_stores.cancel_batch(
            current(), request.vector_store_id, request.batch_id
        )

    async def SearchVectorStore(
        self, request: _pb.SearchVectorStoreRequest, context: Context
    ) -> _pb.SearchVectorStoreResponse:
        return await self._app.vector_stores.search(current(), request)
